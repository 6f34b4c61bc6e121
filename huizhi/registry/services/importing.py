"""Import residents from the sheets communities keep (DESIGN §6).

The page stores the upload as a queued job and a task worker imports it (`registry_import_queue`,
then `registry_import_run` in `registry/tasks.py`), counting its progress on the job as it goes:
a 100,000-row sheet takes half a minute and a few hundred MB, which no web request should hold.
Every row is validated; the accepted rows are saved in one transaction (a crash or a bad file
leaves the database as it was); people are matched by the keyed hash of their ID number, so a
re-import changes nothing; the rejected rows come back as an .xlsx with the reason added.
"""

import os
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from huizhi.accounts.scopes import scopes_of
from huizhi.core import crypto
from huizhi.core.bulk import insert_all
from huizhi.core.mobile import normalize_mainland_mobile
from huizhi.core.tasks import enqueue_with_transaction
from huizhi.core.text import clean_label, is_hidden_character
from huizhi.places.codes import CODE_RULES
from huizhi.places.kinds import PlaceKind
from huizhi.places.models import Place
from huizhi.registry import sheet
from huizhi.registry.idnumber import parse_id_number
from huizhi.registry.models import Household, ImportJob, Resident
from huizhi.registry.permissions import IMPORT_ROLES, importable_buildings
from huizhi.registry.services.households import (
    id_lookup_hash,
    next_unit_codes_by_building,
    resident_mobile_hash,
)
from huizhi.registry.tags import RECORDED_TAGS

BUILDING_CODE_LENGTH = CODE_RULES[PlaceKind.BUILDING][1]
CODE_LENGTHS = sorted(total for _length, total, _parent in CODE_RULES.values())
PROGRESS_EVERY = 500
BATCH = 1000
# The heartbeat: a running import pushes its job's `alive_until` this far ahead every PROGRESS_EVERY
# rows (a fraction of a second apart), with the count the page shows. Before the one transaction
# that saves the rows, which no other connection can see into, it pushes it by the longest that
# save may take (100,000 rows save in well under a minute on this machine; this is ten times more).
# A job still running past it was killed mid-run (kill -9, a worker restarted) and nothing was saved.
STALE_AFTER = timedelta(minutes=2)
SAVING_ALLOWANCE = timedelta(minutes=10)
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


QUOTED_MAX = 40  # characters of a cell quoted in a reason: a reason is read, and is itself a cell


def _quoted(text: str) -> str:
    """A cell as a reason quotes it: a hidden character shown as "�", where it is, so the person
    fixing the row can see why it was refused; a long cell cut, so the reason stays readable (and
    within the 32,767 characters a workbook cell holds)."""
    shown = "".join("�" if is_hidden_character(ch) else ch for ch in text)
    return shown if len(shown) <= QUOTED_MAX else shown[:QUOTED_MAX] + "…"


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
    raise ValidationError(
        _("The birth date “%(value)s” is not a date (write 1950-03-02).") % {"value": _quoted(text)}
    )


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
    name = check(lambda: clean_label(_text(record.get("name")), label=_("Name"), max_length=40))
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
            % {
                "compound": _quoted(_text(record.get("compound"))),
                "building": _quoted(_text(record.get("building"))),
            }
        )
    room = _text(record.get("room"))
    if not room or len(room) > 20:
        problems.append(_("The room (房号) is missing or longer than 20 characters."))
    else:  # it names a unit of the place tree: a NUL would stop the save on PostgreSQL
        room = check(lambda: clean_label(room, label=_("Room"), max_length=20))
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
                % {"tag": _quoted(label), "allowed": "、".join(sheet.TAG_LABELS)}
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


def _keep_alive(job: ImportJob, allowance: timedelta = STALE_AFTER, **progress) -> None:
    ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.RUNNING).update(
        alive_until=timezone.now() + allowance, **progress
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
        upload=None,
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
    missing = {}
    for building_id, room in wanted:
        if (building_id, room) not in units:
            missing.setdefault(buildings[building_id], []).append(room)
    codes = next_unit_codes_by_building({building: len(rooms) for building, rooms in missing.items()})
    new_units = [
        Place(kind=PlaceKind.UNIT, code=code, name=room, parent=building)
        for building, rooms in missing.items()
        for room, code in zip(rooms, codes[building.pk], strict=True)
    ]
    for unit in Place.objects.bulk_create(new_units, batch_size=BATCH):
        units[(unit.parent_id, unit.name)] = unit
    unit_ids = [units[key].pk for key in wanted]
    households = {h.unit_id: h for h in Household.objects.filter(unit_id__in=unit_ids)}
    # bulk_create gives the new rows their ids (RETURNING, on SQLite and PostgreSQL): no second read.
    created = Household.objects.bulk_create(
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
    households.update((h.unit_id, h) for h in created)
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
    insert_all(creates, batch_size=BATCH)
    if updates:
        hashes = ["mobile_hash"] if "mobile" in tracked else []
        Resident.objects.bulk_update(
            updates, ["household", "place_code", *hashes, *tracked], batch_size=BATCH
        )
    outcome.created += len(creates)
    outcome.updated += len(updates)


def _importer_place_code(actor) -> str:
    """The one place the actor's import roles cover: their community, or the nearest place above
    all of them (several communities of a street give the street). Staff over it see the job."""
    roots = scopes_of(actor).codes_for(*IMPORT_ROLES)
    prefix = os.path.commonprefix(roots) if roots else ""
    return prefix[: max((n for n in CODE_LENGTHS if n <= len(prefix)), default=0)]


def _job_create(actor, data: bytes, file_name: str) -> ImportJob:
    return ImportJob.objects.create(
        user=actor,
        place_code=_importer_place_code(actor),
        # As the upload named it (Django strips a NUL from an uploaded name; a caller in code may not).
        file_name="".join(ch for ch in file_name if not is_hidden_character(ch))[:200],
        upload=crypto.encrypt_bytes(data),
    )


def registry_import_queue(*, actor, data: bytes, file_name: str) -> ImportJob:
    """Store the upload as a queued job and queue the task that imports it (committed together:
    a job is never left without its task). The caller has already refused files that are not
    workbooks or that would inflate too far (sheet.check_upload); the rest is checked by the task,
    and a file it cannot use ends the job `failed` with the reason."""
    from huizhi.registry.tasks import run_registry_import  # the task calls back into this module

    with transaction.atomic():
        job = _job_create(actor, data, file_name)
        enqueue_with_transaction(run_registry_import, job.pk)
    return job


def registry_import_run(job_id: int) -> ImportJob:
    """Import the queued job's sheet (the task's body). Claims the job first, so a task delivered
    twice imports once; a job that is not queued is returned as it is. Raises sheet.SheetError
    after marking the job failed when the file is unusable."""
    claimed = ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.QUEUED).update(
        status=ImportJob.Status.RUNNING, started_at=timezone.now(), alive_until=timezone.now() + STALE_AFTER
    )
    job = ImportJob.objects.select_related("user").get(pk=job_id)
    if not claimed:
        return job
    return _run(job, crypto.decrypt_bytes(bytes(job.upload)))


def registry_import(*, actor, data: bytes, file_name: str) -> ImportJob:
    """Import a sheet at once, in this process (benchmarks, the city generator and tests; the
    page queues it instead). Raises sheet.SheetError (nothing saved) when the file itself is
    unusable; otherwise returns the finished job with its counts and rejected rows."""
    job = _job_create(actor, data, file_name)
    return registry_import_run(job.pk)


def _run(job: ImportJob, data: bytes) -> ImportJob:
    """The import's steps, in order: read, check every row, drop what may not be imported, save."""
    try:
        records = _read(job, data)
        outcome = ImportTally()
        buildings = _buildings_of(job.user)
        rows = _check_rows(job, records, buildings, outcome)
        existing = _registered(rows)
        accepted = _outside_scope_refused(rows, existing, buildings, outcome)
        accepted = _one_residence_per_household(accepted, outcome)
        _save_all(job, accepted, existing, outcome, total=len(records))
    except sheet.SheetError as exc:
        _fail(job, str(exc))
        raise
    except Exception:
        # The save is one transaction, rolled back: say so on the job instead of leaving it running.
        _fail(job, _("The import stopped; nothing was saved."))
        raise
    return job


def _fail(job: ImportJob, message: str) -> None:
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.FAILED, message=message, finished_at=timezone.now(), upload=None
    )
    job.refresh_from_db()


def _read(job: ImportJob, data: bytes) -> list[tuple[int, dict]]:
    """Every non-empty row of the first sheet; the total is recorded so the page can count."""
    _header, records = sheet.read_rows(data)
    records = list(records)
    _keep_alive(job, total_rows=len(records))
    return records


def _buildings_of(actor) -> dict[tuple[str, str], Place]:
    """The buildings the importer may fill, by (compound name, building name) as sheets write them."""
    return {
        _building_key(building.parent.name, building.name): building
        for building in importable_buildings(actor).select_related("parent")
    }


def _check_rows(job: ImportJob, records, buildings: dict, outcome: ImportTally) -> list[Row]:
    """Each row validated; refused rows (and a second row with the same ID number) go to `outcome`.
    Counts its progress on the job every PROGRESS_EVERY rows, which also keeps it alive."""
    today = timezone.localdate()
    rows, first_seen = [], {}
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
            _keep_alive(job, processed=index)
    return rows


def _registered(rows: list[Row]) -> dict[str, Resident]:
    """The residents already registered under the rows' ID numbers, by their keyed hash."""
    existing = {}
    hashes = [r.id_hash for r in rows]
    for start in range(0, len(hashes), 900):  # SQLite's limit on query parameters
        for resident in Resident.objects.filter(id_hash__in=hashes[start : start + 900]):
            existing[resident.id_hash] = resident
    return existing


def _outside_scope_refused(
    rows: list[Row], existing: dict, buildings: dict, outcome: ImportTally
) -> list[Row]:
    """A person registered in another community is not moved by a sheet: the street moves them."""
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
    return accepted


def _save_all(job: ImportJob, accepted: list[Row], existing: dict, outcome: ImportTally, total: int) -> None:
    """Every accepted row saved, and the job finished, in one transaction: all or nothing."""
    # Every row is checked: the page says "saving". No other connection sees into the transaction,
    # so the heartbeat is pushed once by the longest a save may take.
    _keep_alive(job, SAVING_ALLOWANCE, processed=total)
    with transaction.atomic():
        for start in range(0, len(accepted), BATCH * 5):
            _save(accepted[start : start + BATCH * 5], existing, outcome)
        job.status = ImportJob.Status.DONE
        job.total_rows, job.processed, job.created, job.updated = (
            total,
            total,
            outcome.created,
            outcome.updated,
        )
        job.unchanged, job.rejected = outcome.unchanged, len(outcome.rejected)
        job.rejected_file = (
            crypto.encrypt_bytes(sheet.rejected_bytes(outcome.rejected)) if outcome.rejected else None
        )
        job.upload = None  # the sheet is not kept once imported
        job.finished_at = timezone.now()
        job.save()


def rejected_rows_file(job: ImportJob) -> bytes | None:
    """The rejected rows' workbook (stored encrypted: it holds ID numbers)."""
    return crypto.decrypt_bytes(job.rejected_file) if job.rejected_file else None
