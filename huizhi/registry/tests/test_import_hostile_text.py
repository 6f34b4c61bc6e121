"""Control characters a hostile or damaged workbook carries in its cells (issue 16's import, the
hardening wave's NUL-byte finding): Excel writes a control character into a cell's XML as
`_x0000_`, and the sheet reader turns it back into the character, so a NUL byte can reach any
column. PostgreSQL cannot store a NUL in text (psycopg refuses the value; the COPY insert the import
uses on PostgreSQL would stop the whole import), so such a row is refused with its reason and the
other rows are imported, on SQLite and PostgreSQL alike."""

import re

import pytest
from django.utils import translation

from huizhi.core.text import is_hidden_character
from huizhi.places.kinds import PlaceKind
from huizhi.places.models import Place
from huizhi.registry import sheet
from huizhi.registry.models import Household, ImportJob, Resident
from huizhi.registry.services import registry_import
from huizhi.registry.services.households import id_lookup_hash
from huizhi.registry.services.importing import rejected_rows_file
from huizhi.registry.tests.conftest import user
from huizhi.registry.tests.sheets import person_row, read_xlsx, xlsx

pytestmark = pytest.mark.django_db

HIDDEN = re.compile("[\x00-\x1f\u200b\ufeff\uffff]")


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


# (column, value as the workbook's XML spells it): openpyxl writes the text as given and the
# reader unescapes `_xHHHH_`, so these cells hold a real NUL (or another control character).
HOSTILE_CELLS = [
    ("姓名", "张_x0000_三"),
    ("房号", "3单元_x0000_301"),
    ("小区", "扬天小区_x0000_"),
    ("楼栋", "11_x0000_栋"),
    ("居住情况", "户籍人口，在本地居住_x0000_"),
    ("标签", "独居_x0000_"),
    ("手机号码", "139_x0000_00010031"),
    ("公民身份号码", "_x0000_"),
    ("出生日期", "1950-03-02_x0000_"),
    ("房号", "3单元_x0007_301"),  # a bell: no NUL, but no room is named with one either
    ("姓名", "张_x0007_三"),
    ("姓名", "张_x000A_三"),  # a line break
    ("姓名", "张\uffff三"),  # not a character: no workbook could hold it
    ("房号", "3单元\u200b301"),  # a zero-width space: a second unit beside the one it looks like
    ("房号", "3单元\ufeff301"),
    ("小区", "扬天小区\uffff"),  # refused (no such compound), and the refused row's workbook opens
]


@pytest.mark.parametrize(("column", "value"), HOSTILE_CELLS, ids=[f"{c}-{v}" for c, v in HOSTILE_CELLS])
def test_a_control_character_in_a_cell_refuses_that_row_and_imports_the_others(column, value):
    good = person_row(30, room="3单元301")
    hostile = person_row(31, room="3单元302", **{column: value})
    before = Resident.objects.count(), Household.objects.count()
    job = registry_import(actor=user("huayuan_staff"), data=xlsx([good, hostile]), file_name="居民.xlsx")
    assert (job.status, job.created, job.rejected) == (ImportJob.Status.DONE, 1, 1), job.message
    assert (Resident.objects.count(), Household.objects.count()) == (before[0] + 1, before[1] + 1)
    assert Resident.objects.filter(id_hash=id_lookup_hash(good["公民身份号码"])).exists()
    # Nothing of the hostile row was stored: no name (decrypted) and no room holds the character.
    assert not any(HIDDEN.search(r.name) for r in Resident.objects.all())
    units = Place.objects.filter(kind=PlaceKind.UNIT).values_list("name", flat=True)
    assert not [name for name in units if HIDDEN.search(name)]
    # The refused row comes back with its reason, in a workbook that opens (openpyxl cannot write
    # a control character into a cell as it is).
    headers, rows = read_xlsx(rejected_rows_file(job))
    (row,) = rows
    assert row[sheet.REASON_HEADER].startswith("Row 3: ")


def test_a_reason_shows_where_a_hidden_character_is_and_cuts_a_long_cell():
    """A refused row's reason quotes the cell it could not use: a hidden character is shown as "�"
    where it is (the cell looked right, and the person fixing it could not see why it was refused),
    and a long cell is cut (two 32,000-character cells made a reason longer than a cell holds)."""
    hidden = person_row(32, room="3单元303", **{"小区": "扬天小区_x0007_"})
    long = person_row(33, room="3单元304", **{"楼栋": "1" * 32_000, "出生日期": "x" * 32_000})
    job = registry_import(actor=user("huayuan_staff"), data=xlsx([hidden, long]), file_name="居民.xlsx")
    assert (job.created, job.rejected) == (0, 2)
    _headers, rows = read_xlsx(rejected_rows_file(job))
    reasons = [row[sheet.REASON_HEADER] for row in rows]
    assert "No building “扬天小区� 11栋” in your community." in reasons[0]
    assert "“扬天小区 " + "1" * 40 + "…”" in reasons[1] and "“" + "x" * 40 + "…”" in reasons[1]
    assert max(len(reason) for reason in reasons) < 1_000


def test_a_file_name_with_a_control_character_is_kept_without_it():
    """Django strips a NUL from an uploaded file's name; a caller in code (a command, a benchmark)
    may pass one, and PostgreSQL cannot store it."""
    job = registry_import(
        actor=user("huayuan_staff"),
        data=xlsx([person_row(34, room="3单元305")]),
        file_name="居民\x00\u202e.xlsx",
    )
    assert (job.file_name, job.created) == ("居民.xlsx", 1)


@pytest.mark.parametrize(
    "name",
    [
        "王\ue000明",  # a rare character in the private-use area, as offices' input methods put 生僻字
        "李\U00031350",  # CJK Extension H: newer than this Python's Unicode tables ("unassigned")
        "阿依古丽·买买提",  # the middle dot of a transliterated name
    ],
)
def test_a_name_with_a_rare_character_is_imported(name):
    """Refusing hidden characters must not refuse people: a rare character of a name is a private-use
    or (to an older Unicode table) an unassigned code point, and neither is hidden."""
    job = registry_import(
        actor=user("huayuan_staff"),
        data=xlsx([person_row(35, room="3单元306", **{"姓名": name})]),
        file_name="x.xlsx",
    )
    assert (job.created, job.rejected) == (1, 0)
    assert Resident.objects.get(id_hash=id_lookup_hash(person_row(35)["公民身份号码"])).name == name


def test_what_counts_as_hidden():
    hidden = [
        "\x00",
        "\x07",
        "\n",
        "\x85",
        "\u200b",
        "\ufeff",
        "\u202e",
        "\u2028",
        "\ud800",
        "\ufffe",
        "\uffff",
    ]
    hidden += ["\ufdd0", "\U0001fffe"]
    shown = ["a", "张", "·", " ", "\u3000", "\ue000", "\U00031350", "�"]
    assert [ch for ch in hidden if not is_hidden_character(ch)] == []
    assert [ch for ch in shown if is_hidden_character(ch)] == []
