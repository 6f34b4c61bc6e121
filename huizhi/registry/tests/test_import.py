"""Importing the residents sheet (DESIGN §6): every row checked, accepted rows saved together, a
re-import changes nothing, rejected rows come back in an .xlsx with the reason in a last column.

Sheets are built with openpyxl the way a community fills in the template, and imported by 花园街社区
staff (扬天小区, 全椒新村 and 明光新村 are theirs; 三里亭人家 is another community's). Messages are
checked in English (the source strings) so a translation edit does not break the meaning checked.
"""

import io
from datetime import date, datetime

import pytest
from django.db.models import Count
from django.utils import translation
from openpyxl import Workbook
from PIL import Image

from huizhi.places.kinds import PlaceKind
from huizhi.places.models import Place
from huizhi.registry import sheet
from huizhi.registry.models import Household, ImportJob, Resident
from huizhi.registry.services import importing, registry_import
from huizhi.registry.services.households import id_lookup_hash, resident_mobile_hash
from huizhi.registry.services.importing import rejected_rows_file
from huizhi.registry.tests.conftest import SANLITING, YANGTIAN_11, building, in_scope, user
from huizhi.registry.tests.sheets import HEADERS, id_number, person_row, read_xlsx, xlsx

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def run(rows, *, headers=None, username="huayuan_staff", name="居民.xlsx") -> ImportJob:
    return registry_import(actor=user(username), data=xlsx(rows, headers=headers), file_name=name)


def counts() -> tuple[int, int, int]:
    return Resident.objects.count(), Household.objects.count(), Place.objects.count()


def rejected(job: ImportJob) -> list[dict]:
    headers, rows = read_xlsx(rejected_rows_file(job))
    assert headers == [*HEADERS, sheet.REASON_HEADER]
    return rows


def figures(job: ImportJob) -> tuple[int, int, int, int, int]:
    return job.total_rows, job.created, job.updated, job.unchanged, job.rejected


# --- the template ------------------------------------------------------------------------------------


def test_the_template_has_the_columns_and_imports_no_one_as_it_is():
    data = sheet.template_bytes()
    headers, rows = read_xlsx(data)
    assert headers == HEADERS and rows == []
    before = counts()
    job = registry_import(actor=user("huayuan_staff"), data=data, file_name="residents-template.xlsx")
    assert figures(job) == (0, 0, 0, 0, 0)
    assert counts() == before


def test_the_template_example_is_a_valid_person():
    from huizhi.registry.idnumber import parse_id_number

    example = dict(zip(HEADERS, sheet.EXAMPLE_ROW, strict=True))
    parsed = parse_id_number(example["公民身份号码"])
    assert parsed.birth_date.isoformat() == example["出生日期"] and parsed.gender == "M"


# --- good rows, idempotence --------------------------------------------------------------------------


def good_rows() -> list[dict]:
    return [
        person_row(1, room="2单元101", relationship="户主", tags="独居、党员", birth=date(1944, 5, 1)),
        person_row(
            2, room="2单元101", relationship="配偶", gender="F", birth=date(1947, 8, 9), with_mobile=False
        ),
        person_row(
            3, room="2单元102", birth=date(1988, 1, 31), **{"出生日期": datetime(1988, 1, 31)}
        ),  # a date cell
        # The room as Excel keeps a number, in a room the demo already has: the unit is reused.
        person_row(4, room=101, relationship="子女", gender="F", birth=date(2015, 6, 1), with_mobile=False),
        # "3号楼" names 全椒新村 3栋; a lower-case x and a +86 mobile are normalised.
        person_row(
            5, compound="全椒新村", building="3号楼", room="1单元501", **{"手机号码": "+86 139 0001 0005"}
        ),
    ]


def test_good_rows_create_residents_households_and_units_under_the_right_building():
    yangtian = building(YANGTIAN_11)
    units_before = set(Place.objects.filter(parent=yangtian).values_list("name", flat=True))
    job = run(good_rows())
    assert figures(job) == (5, 5, 0, 0, 0)
    assert job.status == ImportJob.Status.DONE and job.rejected_file is None

    new_unit = Place.objects.get(parent=yangtian, name="2单元101")
    assert (
        new_unit.kind == PlaceKind.UNIT
        and new_unit.code.startswith(yangtian.code)
        and len(new_unit.code) == 25
    )
    assert set(Place.objects.filter(parent=yangtian).values_list("name", flat=True)) == units_before | {
        "2单元101",
        "2单元102",
    }
    couple = Resident.objects.filter(household__unit=new_unit).order_by("name")
    assert [(r.name, r.gender, r.relationship, r.place_code) for r in couple] == [
        ("测试01", "M", "head", new_unit.code),
        ("测试02", "F", "spouse", new_unit.code),
    ]
    head = couple[0]
    assert head.birth_date == date(1944, 5, 1) and head.mobile == "13900010001"
    assert (head.lives_alone, head.party_member, head.disabled) == (True, True, False)
    assert head.household.place_code == new_unit.code
    assert Resident.objects.get(name="测试03").birth_date == date(1988, 1, 31)

    child = Resident.objects.get(name="测试04")
    assert child.household.unit.name == "101" and child.household.unit.parent == yangtian
    assert Place.objects.filter(parent=yangtian, name="101").count() == 1

    other = Resident.objects.get(name="测试05")
    assert other.household.unit.parent.code == "341102001003001002003"  # 全椒新村 3栋
    assert other.mobile == "13900010005" and other.mobile_hash == resident_mobile_hash("13900010005")


def test_a_lower_case_x_is_stored_upper_case_and_found_by_hash():
    number = next(
        id_number(s, date(1961, 4, 4)) for s in range(20, 99) if id_number(s, date(1961, 4, 4)).endswith("X")
    )
    job = run([person_row(0, room="601", **{"出生日期": "1961-04-04", "公民身份号码": number.lower()})])
    assert job.created == 1
    assert Resident.objects.get(id_hash=id_lookup_hash(number)).id_number == number


def test_importing_the_same_sheet_again_creates_and_changes_nothing():
    rows = good_rows()
    run(rows)
    before = counts()
    stored = {r.pk: (r.mobile, r.household_id, r.updated_at) for r in Resident.objects.all()}
    job = run(rows)
    assert figures(job) == (5, 0, 0, 5, 0)
    assert counts() == before
    assert {r.pk: (r.mobile, r.household_id, r.updated_at) for r in Resident.objects.all()} == stored


def test_changing_one_mobile_updates_exactly_that_resident():
    rows = good_rows()
    run(rows)
    before = counts()
    rows[2]["手机号码"] = "13900019876"
    job = run(rows)
    assert figures(job) == (5, 0, 1, 4, 0)
    assert counts() == before
    changed = Resident.objects.get(name="测试03")
    assert changed.mobile == "13900019876" and changed.mobile_hash == resident_mobile_hash("13900019876")
    assert Resident.objects.get(name="测试01").mobile == "13900010001"


def test_moving_a_person_to_another_room_updates_their_household():
    rows = good_rows()
    run(rows)
    rows[2]["房号"] = "2单元103"
    job = run(rows)
    assert (job.created, job.updated) == (0, 1)
    moved = Resident.objects.get(name="测试03")
    assert moved.household.unit.name == "2单元103" and moved.place_code == moved.household.unit.code


def test_a_sheet_without_the_optional_mobile_column_keeps_the_stored_mobiles():
    rows = good_rows()
    run(rows)
    job = run(rows, headers=[h for h in HEADERS if h != "手机号码"])
    assert Resident.objects.get(name="测试01").mobile == "13900010001"
    assert (job.updated, job.unchanged) == (0, 5)


def test_a_changed_residence_updates_the_household():
    rows = good_rows()
    run(rows)
    for row in rows[:2]:
        row["居住情况"] = "人户分离"
    run(rows)
    assert Resident.objects.get(name="测试01").household.residence == Household.Residence.REGISTERED_AWAY


# --- bad rows: a clear reason for each, in the rejected-rows file ----------------------------------------


def _with_wrong_check_digit(number: str) -> str:
    return number[:17] + ("1" if number[17] == "0" else "0")


def _someone_from_sanliting() -> dict:
    """A correct row for a person 三里亭社区 already registered."""
    stranger = in_scope(SANLITING).first()
    return person_row(
        24,
        name=stranger.name,
        **{
            "公民身份号码": stranger.id_number,
            "出生日期": stranger.birth_date.isoformat(),
            "性别": "男" if stranger.gender == "M" else "女",
        },
    )


BAD_ROWS = {
    "wrong check digit": (
        lambda: person_row(11, **{"公民身份号码": _with_wrong_check_digit(id_number(11, date(1950, 3, 2)))}),
        "check digit is wrong",
    ),
    "birth date in the future": (
        lambda: person_row(12, birth=date(2031, 1, 1)),
        "The birth date is in the future.",
    ),
    "birth date not matching the ID": (
        lambda: person_row(13, **{"出生日期": "1950-03-03"}),
        "The birth date does not match the ID number (1950-03-02).",
    ),
    "gender not matching the ID": (
        lambda: person_row(14, **{"性别": "女"}),
        "The gender does not match the ID number.",
    ),
    "a Hong Kong mobile": (
        lambda: person_row(15, **{"手机号码": "+852 9123 4567"}),
        "is not a mainland China mobile number",
    ),
    "a landline": (
        lambda: person_row(16, **{"手机号码": "0550-3012345"}),
        "is not a mainland China mobile number",
    ),
    "an unknown building": (
        lambda: person_row(17, building="99栋"),
        "No building “扬天小区 99栋” in your community.",
    ),
    "another community's building": (
        lambda: person_row(18, compound="三里亭人家", building="4栋", room="1单元101"),
        "No building “三里亭人家 4栋” in your community.",
    ),
    "an ID stored as a number": (
        lambda: person_row(19, **{"公民身份号码": int(id_number(19, date(1950, 3, 2)))}),
        "stored as a number",
    ),
    "an unknown tag": (
        lambda: person_row(20, tags="独居，高龄"),
        "Unknown tag “高龄”",
    ),
    "a gender that is neither": (
        lambda: person_row(21, **{"性别": "未知"}),
        "Gender must be 男 or 女.",
    ),
    "a birth date that is not a date": (
        lambda: person_row(22, **{"出生日期": "三月二日"}),
        "is not a date",
    ),
    "a missing room": (
        lambda: person_row(23, room=None),
        "The room (房号) is missing",
    ),
    "a person registered in another community": (
        _someone_from_sanliting,
        "registered in another community",
    ),
}


@pytest.mark.parametrize("case", list(BAD_ROWS))
def test_a_bad_row_comes_back_with_its_reason_and_the_good_row_is_imported(case):
    make_bad, reason = BAD_ROWS[case]
    good, bad = person_row(10, room="3单元101"), make_bad()
    before = Resident.objects.count()
    job = run([good, bad])
    assert figures(job) == (2, 1, 0, 0, 1)
    assert Resident.objects.count() == before + 1
    assert Resident.objects.filter(id_hash=id_lookup_hash(good["公民身份号码"])).exists()
    (row,) = rejected(job)
    assert row[sheet.REASON_HEADER].startswith("Row 3: ")
    assert reason in row[sheet.REASON_HEADER]
    # The row comes back as it was sent, the ID number as a text cell.
    assert row["姓名"] == bad["姓名"]
    assert isinstance(row["公民身份号码"], str)
    if isinstance(bad["公民身份号码"], str):
        assert row["公民身份号码"] == bad["公民身份号码"]


def test_a_duplicate_id_within_the_file_rejects_the_later_row():
    first = person_row(25, room="3单元201", name="先到")
    later = person_row(25, room="3单元202", name="后到")
    job = run([first, person_row(26, room="3单元201"), later])
    assert figures(job) == (3, 2, 0, 0, 1)
    (row,) = rejected(job)
    assert row["姓名"] == "后到"
    assert row[sheet.REASON_HEADER] == "Row 4: the same ID number is already in row 2."
    assert Resident.objects.get(id_hash=id_lookup_hash(first["公民身份号码"])).name == "先到"


def test_every_problem_of_a_row_is_named():
    bad = person_row(27, building="99栋", tags="高龄", **{"性别": "女", "手机号码": "12345"})
    (row,) = rejected(run([bad]))
    reason = row[sheet.REASON_HEADER]
    for part in ("gender does not match", "“12345” is not a mainland", "No building", "Unknown tag"):
        assert part in reason


def test_the_rejected_rows_fixed_and_imported_again_are_saved():
    bad = person_row(28, room="3单元301", **{"手机号码": "0550-3012345"})
    job = run([person_row(29, room="3单元301"), bad])
    data = rejected_rows_file(job)
    headers, rows = read_xlsx(data)
    rows[0]["手机号码"] = "13900010028"
    again = registry_import(
        actor=user("huayuan_staff"), data=xlsx(rows, headers=headers), file_name="fixed.xlsx"
    )
    assert figures(again) == (1, 1, 0, 0, 0)
    assert Resident.objects.get(id_hash=id_lookup_hash(bad["公民身份号码"])).mobile == "13900010028"


def test_the_rejected_rows_file_is_stored_encrypted():
    bad = person_row(30, **{"手机号码": "0550-3012345"})
    job = ImportJob.objects.get(pk=run([bad]).pk)
    assert bad["公民身份号码"].encode() not in bytes(job.rejected_file)
    assert bytes(job.rejected_file).startswith(b"gAAAAA")  # a Fernet token
    assert bad["公民身份号码"] in str(read_xlsx(rejected_rows_file(job))[1])


# --- file-level errors: nothing changes, and the message says why ------------------------------------------


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


def _csv() -> bytes:
    return (
        ",".join(HEADERS).encode("utf-8") + b"\n" + ",".join(str(v) for v in person_row(31).values()).encode()
    )


def _missing_id_column() -> bytes:
    return xlsx([person_row(32)], headers=[h for h in HEADERS if h != "公民身份号码"])


def _empty_sheet() -> bytes:
    out = io.BytesIO()
    Workbook().save(out)
    return out.getvalue()


FILE_ERRORS = {
    "a PNG": (_png, "This file is not an Excel workbook (.xlsx)."),
    "a CSV renamed .xlsx": (_csv, "This file is not an Excel workbook (.xlsx)."),
    "a required column missing": (_missing_id_column, "The sheet is missing these columns: 公民身份号码."),
    "an empty sheet": (_empty_sheet, "The sheet is empty."),
}


@pytest.mark.parametrize("case", list(FILE_ERRORS))
def test_an_unusable_file_changes_nothing_and_says_why(case):
    make, message = FILE_ERRORS[case]
    before = counts()
    with pytest.raises(sheet.SheetError) as refused:
        registry_import(actor=user("huayuan_staff"), data=make(), file_name="residents.xlsx")
    assert message in str(refused.value)
    assert counts() == before
    job = ImportJob.objects.get()
    assert (job.status, job.created, job.updated) == (ImportJob.Status.FAILED, 0, 0)
    assert message in job.message


# --- all or nothing -------------------------------------------------------------------------------------


def test_a_failure_halfway_through_saving_leaves_the_database_as_it_was(monkeypatch):
    first = [person_row(40 + i, room=f"4单元{i + 1:02d}") for i in range(5)]
    run(first)
    before = counts()
    stored = {r.pk: (r.mobile, r.household_id) for r in Resident.objects.all()}
    for row in first:
        row["手机号码"] = row["手机号码"][:-2] + "99"  # updates, saved with the first chunk
    new = [person_row(50 + i, room=f"5单元{i + 1:02d}") for i in range(20)]

    monkeypatch.setattr(importing, "BATCH", 2)  # chunks of 10 rows: the failure comes in the second
    real_insert_all = importing.insert_all
    calls = []

    def failing_insert_all(objs, *args, **kwargs):
        calls.append(len(objs))
        if len(calls) > 1:
            raise ConnectionError("the database went away")
        return real_insert_all(objs, *args, **kwargs)

    monkeypatch.setattr(importing, "insert_all", failing_insert_all)
    with pytest.raises(ConnectionError):
        run(first + new)
    assert calls == [5, 10]  # the first chunk was written before the failure
    assert counts() == before
    assert {r.pk: (r.mobile, r.household_id) for r in Resident.objects.all()} == stored
    assert not Place.objects.filter(name__startswith="5单元").exists()


# --- scope and tags --------------------------------------------------------------------------------------


def test_a_grid_worker_and_the_street_cannot_import_anywhere():
    for username in ("gridworker", "street"):
        job = run([person_row(60)], username=username)
        assert (job.created, job.rejected) == (0, 1)
        assert "No building" in rejected(job)[0][sheet.REASON_HEADER]


def test_recorded_tags_come_from_the_tag_column_and_age_tags_cannot_be_typed():
    job = run(
        [
            person_row(61, room="6单元101", tags="残疾、低保、退役军人、志愿者、空巢"),
            person_row(62, tags="80+"),
        ]
    )
    assert (job.created, job.rejected) == (1, 1)
    tagged = Resident.objects.get(name="测试61")
    assert (tagged.disabled, tagged.low_income, tagged.veteran, tagged.volunteer, tagged.empty_nest) == (
        True,
        True,
        True,
        True,
        True,
    )
    assert (tagged.lives_alone, tagged.party_member) == (False, False)
    assert "Unknown tag “80+”" in rejected(job)[0][sheet.REASON_HEADER]


def test_households_of_one_room_are_shared_by_its_people():
    run(good_rows())
    sizes = dict(
        Household.objects.filter(unit__name__in=["2单元101", "2单元102"])
        .annotate(n=Count("residents"))
        .values_list("unit__name", "n")
    )
    assert sizes == {"2单元101": 2, "2单元102": 1}


def _rows_over(buildings: list[Place], start: int) -> list[dict]:
    return [
        person_row(start + i, compound=b.parent.name, building=b.name, room=f"9单元9{i:02d}")
        for i, b in enumerate(buildings)
    ]


def test_new_rooms_in_many_buildings_take_no_query_per_building():
    """An import adds units to a hundred buildings at once: their next codes come from one query,
    not one per building (a 100,000-row sheet asked 2,480 times)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from huizhi.registry.permissions import importable_buildings

    buildings = list(importable_buildings(user("huayuan_staff")).select_related("parent").order_by("code"))
    assert len(buildings) >= 8
    with CaptureQueriesContext(connection) as two:
        run(_rows_over(buildings[:2], 100))
    with CaptureQueriesContext(connection) as eight:
        run(_rows_over(buildings[2:10], 200))
    assert len(eight) == len(two)
    for each in buildings[:10]:  # each new unit has its own code, under its building, after the old ones
        codes = list(Place.objects.filter(parent=each, kind=PlaceKind.UNIT).values_list("code", flat=True))
        assert len(codes) == len(set(codes)) and all(code.startswith(each.code) for code in codes)
        new = Place.objects.get(parent=each, name__startswith="9单元9")
        assert new.code == max(codes)
