"""Import residents from the sheets communities keep (DESIGN §6).

Every row is validated; the accepted rows are saved in one transaction (a crash or a bad file
leaves the database as it was); people are matched by the keyed hash of their ID number, so a
re-import changes nothing; the rejected rows come back as an .xlsx with the reason added.
"""

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from huizhi.core import crypto
from huizhi.core.mobile import normalize_mainland_mobile
from huizhi.core.text import clean_plain_text
from huizhi.places.codes import CODE_RULES
from huizhi.places.kinds import PlaceKind
from huizhi.places.models import Place
from huizhi.registry import sheet
from huizhi.registry.idnumber import parse_id_number
from huizhi.registry.models import Household, ImportJob, Resident
from huizhi.registry.permissions import importable_buildings
from huizhi.registry.services.households import id_lookup_hash, next_unit_codes, resident_mobile_hash
from huizhi.registry.tags import RECORDED_TAGS

BUILDING_CODE_LENGTH = CODE_RULES[PlaceKind.BUILDING][1]
PROGRESS_EVERY = 500
BATCH = 1000
# The heartbeat: a running import pushes its job's `alive_until` this far ahead every PROGRESS_EVERY
# rows (a fraction of a second apart). Before the one transaction that saves the rows, which no
# other connection can see into, it pushes it by the longest its request may last (the README's
# `gunicorn --timeout 300`) and a margin. A job still running past it was killed mid-run.
STALE_AFTER = timedelta(minutes=2)
SAVING_ALLOWANCE = timedelta(minutes=6)
RELATIONSHIPS = {
    "户主": "head",
    "本人": "head",
    "配偶": "spouse",
    "妻": "spouse",
    "夫": "spouse",
    "妻子": "spouse",
    "丈夫": "spouse",
    "子": "child",
    "女": "child",
    "子女": "child",
    "儿子": "child",
    "女儿": "child",
    "父": "parent",
    "母": "parent",
    "父母": "parent",
    "父亲": "parent",
    "母亲": "parent",
    "孙子": "grandchild",
    "孙女": "grandchild",
    "孙子女": "grandchild",
    "其他": "other",
    "": "other",
}
RESIDENCES = {
    "": Household.Residence.REGISTERED_LIVING,
    "户籍人口，在本地居住": Household.Residence.REGISTERED_LIVING,
    "户在人在": Household.Residence.REGISTERED_LIVING,
    "户在人不在": Household.Residence.REGISTERED_AWAY,
    "人户分离": Household.Residence.REGISTERED_AWAY,
    "人在户不在": Household.Residence.LIVING_UNREGISTERED,
    "流动人口": Household.Residence.LIVING_UNREGISTERED,
}
GENDERS = {"男": "M", "女": "F", "M": "M", "F": "F"}
TRACKED = ("name", "gender", "birth_date", "mobile", "relationship", *RECORDED_TAGS)


@dataclass
class Row:
    number: int
    record: dict
    building: Place
    room: str
    residence: str | None  # None when the sheet has no 居住情况 column
    values: dict  # Resident field values
    id_hash: str


@dataclass
class ImportTally:
    """What one import did, row by row: how many residents it created, updated or found unchanged,
    and the rows it rejected with the reason (they go back to the importer as a workbook)."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list = field(default_factory=list)  # (record, reason)


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _building_key(compound: str, building: str) -> tuple[str, str]:
    """'11', '11号楼' and '11栋' name the same building."""
    building = re.sub(r"(号楼|号|幢|栋)$", "", building.strip())
    return compound.strip(), f"{building}栋"


def _date(value) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value)
    for pattern in ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y年%m月%d日"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValidationError(_("The birth date “%(value)s” is not a date (write 1950-03-02).") % {"value": text})


def _validate(number: int, record: dict, buildings: dict, today: date) -> Row:
    """One row made into resident values, or ValidationError with every reason it is refused."""
    problems = []

    def check(fn):
        try:
            return fn()
        except ValidationError as exc:
            problems.extend(exc.messages)
            return None

    raw_id = record.get("id_number")
    if isinstance(raw_id, int | float):
        raise ValidationError(
            _("The ID number is stored as a number, which loses digits; format the column as text.")
        )
    parsed = check(lambda: parse_id_number(_text(raw_id), today=today))
    name = check(lambda: clean_plain_text(_text(record.get("name")), label=_("Name"), max_length=40))
    gender = GENDERS.get(_text(record.get("gender")))
    if gender is None:
        problems.append(_("Gender must be 男 or 女."))
    birth = check(lambda: _date(record.get("birth_date")))
    if birth and birth > today:
        problems.append(_("The birth date is in the future."))
    if parsed and birth and parsed.birth_date != birth:
        problems.append(
            _("The birth date does not match the ID number (%(id_birth)s).")
            % {"id_birth": parsed.birth_date.isoformat()}
        )
    if parsed and gender and parsed.gender != gender:
        problems.append(_("The gender does not match the ID number."))
    mobile_text = _text(record.get("mobile"))
    mobile = check(lambda: normalize_mainland_mobile(mobile_text)) if mobile_text else ""
    building = buildings.get(_building_key(_text(record.get("compound")), _text(record.get("building"))))
    if building is None:
        problems.append(
            _("No building “%(compound)s %(building)s” in your community.")
            % {"compound": _text(record.get("compound")), "building": _text(record.get("building"))}
        )
    room = _text(record.get("room"))
    if not room or len(room) > 20:
        problems.append(_("The room (房号) is missing or longer than 20 characters."))
    relationship = RELATIONSHIPS.get(_text(record.get("relationship")), "other")
    residence = RESIDENCES.get(_text(record.get("residence")))
    if residence is None:
        problems.append(
            _("Residence must be one of: %(allowed)s.") % {"allowed": "、".join(k for k in RESIDENCES if k)}
        )
    tags = {tag: False for tag in RECORDED_TAGS}
    for label in filter(None, re.split(r"[,，、;；\s]+", _text(record.get("tags")))):
        if label not in sheet.TAG_LABELS:
            problems.append(
                _("Unknown tag “%(tag)s” (use %(allowed)s).")
                % {"tag": label, "allowed": "、".join(sheet.TAG_LABELS)}
            )
        else:
            tags[sheet.TAG_LABELS[label]] = True
    if problems:
        raise ValidationError(problems)
    values = {"name": name, "gender": gender, "birth_date": parsed.birth_date, "id_number": parsed.value}
    # An optional column the sheet leaves out leaves those fields as they are (it does not erase them).
    if "mobile" in record:
        values.update(mobile=mobile, mobile_hash=resident_mobile_hash(mobile))
    if "relationship" in record:
        values["relationship"] = relationship
    if "tags" in record:
        values.update(tags)
    residence = residence if "residence" in record else None
    return Row(number, record, building, room, residence, values, id_lookup_hash(parsed.value))


def _one_residence_per_household(rows: list[Row], outcome: ImportTally) -> list[Row]:
    """A household has one residence: a row that disagrees with an earlier row of the same room is
    refused (otherwise a re-import would flip the household back and forth)."""
    first: dict[tuple[int, str], Row] = {}
    kept = []
    for row in rows:
        key = (row.building.pk, row.room)
        earlier = first.setdefault(key, row)
        if row.residence is not None and earlier.residence is not None and row.residence != earlier.residence:
            outcome.rejected.append(
                (
                    row.record,
                    _("Row %(n)d: the residence differs from row %(first)d of the same room.")
                    % {"n": row.number, "first": earlier.number},
                )
            )
            continue
        kept.append(row)
    return kept


def _progress(key: str | None, done: int, total: int, phase: str) -> None:
    if key:
        cache.set(f"registry-import:{key}", {"done": done, "total": total, "phase": phase}, timeout=3600)


def import_progress(key: str) -> dict | None:
    return cache.get(f"registry-import:{key}")


def _keep_alive(job: ImportJob, allowance: timedelta = STALE_AFTER) -> None:
    ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.RUNNING).update(
        alive_until=timezone.now() + allowance
    )


def fail_stale_imports(jobs=None, now=None) -> int:
    """Mark failed, with the reason, every running import of `jobs` (default: all) whose heartbeat
    stopped: its process was killed and nothing of it was saved (the rows are saved in one
    transaction, with the job's result). One read and no write when there is none, so the import
    pages call it as they are read, and a periodic sweep may too. Returns how many were marked."""
    now = now or timezone.now()
    stale = {"status": ImportJob.Status.RUNNING, "alive_until__lt": now}
    jobs = ImportJob.objects.all() if jobs is None else jobs
    ids = list(jobs.filter(**stale).values_list("pk", flat=True))
    if not ids:
        return 0
    return ImportJob.objects.filter(pk__in=ids, **stale).update(
        status=ImportJob.Status.FAILED,
        message=_(
            "The import stopped before it finished (the server was restarted or the process was ended); "
            "nothing was saved. Upload the file again."
        ),
        finished_at=now,
    )


def _households(rows: list[Row]) -> tuple[dict[tuple[int, str], Household], set[int]]:
    """The household of every (building, room) in the rows, creating units and households as needed,
    and the ids of existing households whose residence the rows changed."""
    wanted = {(r.building.pk, r.room): r for r in rows}
    buildings = {r.building.pk: r.building for r in rows}
    units = {
        (u.parent_id, u.name): u
        for u in Place.objects.filter(
            kind=PlaceKind.UNIT, parent_id__in=buildings, name__in={room for _b, room in wanted}
        )
    }
    new_units = []
    for building_id, building in buildings.items():
        missing = [room for (b, room) in wanted if b == building_id and (b, room) not in units]
        for room, code in zip(missing, next_unit_codes(building, len(missing)), strict=True):
            new_units.append(Place(kind=PlaceKind.UNIT, code=code, name=room, parent=building))
    for unit in Place.objects.bulk_create(new_units, batch_size=BATCH):
        units[(unit.parent_id, unit.name)] = unit
    unit_ids = [units[key].pk for key in wanted]
    households = {h.unit_id: h for h in Household.objects.filter(unit_id__in=unit_ids)}
    Household.objects.bulk_create(
        [
            Household(
                unit=units[key],
                place_code=units[key].code,
                residence=row.residence or Household.Residence.REGISTERED_LIVING,
            )
            for key, row in wanted.items()
            if units[key].pk not in households
        ],
        batch_size=BATCH,
    )
    households = {h.unit_id: h for h in Household.objects.filter(unit_id__in=unit_ids)}
    moved = []
    for key, row in wanted.items():
        household = households[units[key].pk]
        if row.residence is not None and household.residence != row.residence:
            household.residence = row.residence
            moved.append(household)
    Household.objects.bulk_update(moved, ["residence"], batch_size=BATCH)
    return {key: households[units[key].pk] for key in wanted}, {h.pk for h in moved}


def _save(rows: list[Row], existing: dict[str, Resident], outcome: ImportTally) -> None:
    households, residence_changed = _households(rows)
    tracked = [name for name in TRACKED if name in rows[0].values] if rows else []
    creates, updates = [], []
    for row in rows:
        household = households[(row.building.pk, row.room)]
        current = existing.get(row.id_hash)
        if current is None:
            creates.append(
                Resident(
                    household=household, place_code=household.place_code, id_hash=row.id_hash, **row.values
                )
            )
            continue
        changed = (
            current.household_id != household.pk
            or household.pk in residence_changed
            or any(getattr(current, name) != row.values[name] for name in tracked)
        )
        if not changed:
            outcome.unchanged += 1
            continue
        current.household, current.place_code = household, household.place_code
        for name, value in row.values.items():
            setattr(current, name, value)
        updates.append(current)
    Resident.objects.bulk_create(creates, batch_size=BATCH)
    if updates:
        hashes = ["mobile_hash"] if "mobile" in tracked else []
        Resident.objects.bulk_update(
            updates, ["household", "place_code", *hashes, *tracked], batch_size=BATCH
        )
    outcome.created += len(creates)
    outcome.updated += len(updates)


def registry_import(*, actor, data: bytes, file_name: str, progress_key: str | None = None) -> ImportJob:
    """Validate every row of the sheet and save the accepted ones in one transaction.

    Raises sheet.SheetError (nothing saved) when the file itself is unusable; otherwise returns the
    finished ImportJob with its counts and, when rows were refused, the rejected rows' workbook.
    """
    job = ImportJob.objects.create(
        user=actor, file_name=file_name[:200], alive_until=timezone.now() + STALE_AFTER
    )
    try:
        _header, records = sheet.read_rows(data)
        records = list(records)
    except sheet.SheetError as exc:
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportJob.Status.FAILED, message=str(exc), finished_at=timezone.now()
        )
        raise
    today = timezone.localdate()
    buildings = {}
    for building in importable_buildings(actor).select_related("parent"):
        buildings[_building_key(building.parent.name, building.name)] = building
    outcome, rows, first_seen = ImportTally(), [], {}
    total = len(records)
    for index, (number, record) in enumerate(records, start=1):
        try:
            row = _validate(number, record, buildings, today)
        except ValidationError as exc:
            outcome.rejected.append((record, _("Row %(n)d: ") % {"n": number} + " ".join(exc.messages)))
        else:
            if row.id_hash in first_seen:
                outcome.rejected.append(
                    (
                        record,
                        _("Row %(n)d: the same ID number is already in row %(first)d.")
                        % {"n": number, "first": first_seen[row.id_hash]},
                    )
                )
            else:
                first_seen[row.id_hash] = number
                rows.append(row)
        if index % PROGRESS_EVERY == 0:
            _progress(progress_key, index, total, "checking")
            _keep_alive(job)
    existing = {}
    hashes = [r.id_hash for r in rows]
    for start in range(0, len(hashes), 900):  # SQLite's limit on query parameters
        for resident in Resident.objects.filter(id_hash__in=hashes[start : start + 900]):
            existing[resident.id_hash] = resident
    in_scope = {b.code for b in buildings.values()}
    accepted = []
    for row in rows:
        current = existing.get(row.id_hash)
        if current is not None and current.place_code[:BUILDING_CODE_LENGTH] not in in_scope:
            outcome.rejected.append(
                (
                    row.record,
                    _(
                        "Row %(n)d: this person is registered in another community; "
                        "ask the street to move them."
                    )
                    % {"n": row.number},
                )
            )
        else:
            accepted.append(row)
    accepted = _one_residence_per_household(accepted, outcome)
    _keep_alive(job, SAVING_ALLOWANCE)
    _progress(progress_key, total, total, "saving")
    try:
        with transaction.atomic():
            for start in range(0, len(accepted), BATCH * 5):
                _save(accepted[start : start + BATCH * 5], existing, outcome)
                _progress(progress_key, total, total, "saving")
            job.status = ImportJob.Status.DONE
            job.total_rows, job.created, job.updated = total, outcome.created, outcome.updated
            job.unchanged, job.rejected = outcome.unchanged, len(outcome.rejected)
            job.rejected_file = (
                crypto.encrypt_bytes(sheet.rejected_bytes(outcome.rejected)) if outcome.rejected else None
            )
            job.finished_at = timezone.now()
            job.save()
    except Exception:
        # The transaction rolled everything back; say so on the job instead of leaving it "running".
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportJob.Status.FAILED,
            message=_("The import stopped; nothing was saved."),
            finished_at=timezone.now(),
        )
        raise
    _progress(progress_key, total, total, "done")
    return job


def rejected_rows_file(job: ImportJob) -> bytes | None:
    """The rejected rows' workbook (stored encrypted: it holds ID numbers)."""
    return crypto.decrypt_bytes(job.rejected_file) if job.rejected_file else None
