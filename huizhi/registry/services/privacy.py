"""Personal data leaves its encryption only here: reveals and exports, each written to the access log."""

import io

from django.apps import apps
from django.db import connection, transaction
from django.utils.translation import gettext as _
from openpyxl import Workbook

from huizhi.accounts.scopes import scopes_of
from huizhi.core import crypto
from huizhi.core.fields import EncryptedTextField
from huizhi.core.sheets import sheet_cell
from huizhi.registry.models import AccessLog
from huizhi.registry.permissions import can_reveal_any, can_reveal_personal_data, residents_visible_to
from huizhi.registry.tags import Tag, tags_of

REVEALABLE = {"id_number": "masked_id_number", "mobile": "masked_mobile"}
MIN_REASON = 4


class PrivacyError(PermissionError):
    """A refused reveal or export; the message says why."""


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if len(reason) < MIN_REASON:
        raise PrivacyError(
            _("Say why you need the full value (at least %(n)d characters); it is logged.")
            % {"n": MIN_REASON}
        )
    return reason[:200]


def resident_reveal(
    *, actor, resident_id: int, field: str, reason: str, ip_address: str | None = None, user_agent: str = ""
) -> str:
    """The full value of one field, for someone allowed, with a reason; logged before it is returned."""
    if field not in REVEALABLE:
        raise PrivacyError(_("That field cannot be revealed."))
    resident = residents_visible_to(actor).filter(pk=resident_id).first()
    if resident is None or not can_reveal_personal_data(actor, resident):
        raise PrivacyError(_("Your roles do not allow revealing this person's data."))
    reason = _reason(reason)
    AccessLog.objects.create(
        user=actor,
        action=AccessLog.Action.REVEAL,
        resident=resident,
        field=field,
        place_code=resident.place_code,
        reason=reason,
        ip_address=ip_address,
        user_agent=user_agent[:200],
    )
    return getattr(resident, field)


def log_outside_reveal(reveal) -> None:
    """An access-log line for a reveal another app made (huizhi.core.reveals)."""
    AccessLog.objects.create(
        user=reveal.user,
        action=AccessLog.Action.REVEAL,
        resident_id=reveal.resident_id,
        field=reveal.field,
        place_code=reveal.place_code,
        reason=reveal.reason[:200],
        ip_address=reveal.ip_address,
        user_agent=reveal.user_agent[:200],
    )


EXPORT_HEADERS = ["小区", "楼栋", "房号", "姓名", "性别", "出生日期", "公民身份号码", "手机号码", "标签"]


def residents_export(
    *,
    actor,
    residents,
    reveal: bool = False,
    reason: str = "",
    ip_address: str | None = None,
    user_agent: str = "",
    today=None,
) -> bytes:
    """An .xlsx of the residents (limited to the actor's scope). ID numbers and mobiles are masked
    unless the actor may reveal them and gives a reason; either way the export is logged."""
    from django.utils import timezone

    today = today or timezone.localdate()
    if reveal:
        if not can_reveal_any(actor):
            raise PrivacyError(_("Your roles do not allow exporting full ID numbers and mobiles."))
        reason = _reason(reason)
    rows = residents.filter(pk__in=residents_visible_to(actor).values("pk")).select_related(
        "household__unit__parent__parent"
    )
    labels = dict(Tag.choices)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("居民")
    sheet.append(EXPORT_HEADERS)
    count = 0
    for resident in rows.iterator(chunk_size=2000):
        if reveal and not can_reveal_personal_data(actor, resident):
            continue  # street-level exporters see only what they could reveal one by one
        unit = resident.household.unit
        row = [
            unit.parent.parent.name,
            unit.parent.name,
            unit.name,
            resident.name,
            resident.get_gender_display(),
            resident.birth_date.isoformat(),
            resident.id_number if reveal else resident.masked_id_number,
            resident.mobile if reveal else resident.masked_mobile,
            "、".join(str(labels[t]) for t in tags_of(resident, today)),
        ]
        sheet.append([sheet_cell(sheet, value) for value in row])
        count += 1
    AccessLog.objects.create(
        user=actor,
        action=AccessLog.Action.EXPORT if reveal else AccessLog.Action.EXPORT_MASKED,
        field="id_number,mobile" if reveal else "",
        count=count,
        reason=reason,
        ip_address=ip_address,
        place_code=min(scopes_of(actor).place_codes, key=len, default=""),
        user_agent=user_agent[:200],
    )
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def encrypted_fields() -> list[tuple[str, tuple[str, ...]]]:
    """(model label, field names) of everything stored with EncryptedTextField, found in the models
    themselves, so a new encrypted field is rotated without anyone remembering to list it."""
    found = []
    for model in apps.get_models():
        names = tuple(f.name for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField))
        if names:
            found.append((model._meta.label, names))
    return found


@transaction.atomic
def personal_data_reencrypt() -> int:
    """Re-encrypt every stored value under the newest key (HUIZHI_DATA_KEYS[0]); returns values rewritten.

    Works on the raw ciphertext with a cursor (the ORM field would decrypt on read), so no plain value
    is held longer than one token. All or nothing: one transaction.
    """
    rewritten = 0
    for label, fields in encrypted_fields():
        model = apps.get_model(label)
        table = connection.ops.quote_name(model._meta.db_table)
        columns = [connection.ops.quote_name(model._meta.get_field(f).column) for f in fields]
        assignments = ", ".join(f"{c} = %s" for c in columns)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT id, {', '.join(columns)} FROM {table}")  # noqa: S608 - names from models
            raw_rows = cursor.fetchall()
            for pk, *values in raw_rows:
                if not any(values):
                    continue
                rotated = [crypto.rotate(v) if v else v for v in values]
                cursor.execute(f"UPDATE {table} SET {assignments} WHERE id = %s", [*rotated, pk])  # noqa: S608
                rewritten += sum(1 for v in values if v)
    # Rejected-rows workbooks and sheets waiting to be imported are encrypted whole (they hold ID numbers).
    from huizhi.registry.models import ImportJob

    for job in ImportJob.objects.exclude(rejected_file=None).only("pk", "rejected_file"):
        ImportJob.objects.filter(pk=job.pk).update(rejected_file=crypto.rotate_bytes(job.rejected_file))
        rewritten += 1
    for job in ImportJob.objects.exclude(upload=None).only("pk", "upload"):
        ImportJob.objects.filter(pk=job.pk).update(upload=crypto.rotate_bytes(bytes(job.upload)))
        rewritten += 1
    return rewritten
