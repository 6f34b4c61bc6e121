"""The residents sheet communities keep: its columns, the template, reading and writing .xlsx."""

import io
import zipfile
from dataclasses import dataclass

from django.utils.translation import gettext as _
from openpyxl import Workbook
from python_calamine import CalamineError, CalamineWorkbook

from huizhi.core.limits import ArchiveTooLarge, check_zip_archive
from huizhi.core.sheets import sheet_cell
from huizhi.registry.tags import RECORDED_TAGS, Tag


@dataclass(frozen=True)
class Column:
    key: str
    header: str  # as communities write it; the template uses these
    required: bool


COLUMNS = [
    Column("compound", "小区", True),
    Column("building", "楼栋", True),
    Column("room", "房号", True),
    Column("name", "姓名", True),
    Column("gender", "性别", True),
    Column("birth_date", "出生日期", True),
    Column("id_number", "公民身份号码", True),
    Column("mobile", "手机号码", False),
    Column("relationship", "与户主关系", False),
    Column("residence", "居住情况", False),
    Column("tags", "标签", False),
]
REASON_HEADER = "未导入原因"
# An .xlsx is a zip; calamine inflates the whole sheet into memory (about twice its XML size). A
# 100,000-row sheet is 65 MB of XML: this allows three times that, and refuses a zip bomb (a few
# hundred KB that inflate to gigabytes) from the zip's directory before anything is inflated.
MAX_UNCOMPRESSED_MB = 200
TAG_LABELS = {
    "独居": Tag.LIVES_ALONE,
    "空巢": Tag.EMPTY_NEST,
    "残疾": Tag.DISABLED,
    "低保": Tag.LOW_INCOME,
    "党员": Tag.PARTY_MEMBER,
    "退役军人": Tag.VETERAN,
    "志愿者": Tag.VOLUNTEER,
}
assert set(TAG_LABELS.values()) == set(RECORDED_TAGS)
EXAMPLE_ROW = [
    "扬天小区",
    "11栋",
    "1单元101",
    "张三",
    "男",
    "1950-03-02",
    "341102195003021238",
    "13900000000",
    "户主",
    "户籍人口，在本地居住",
    "独居,党员",
]


class SheetError(ValueError):
    """The file as a whole cannot be read: not a spreadsheet, or columns missing."""


def template_bytes() -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "居民"
    sheet.append([c.header for c in COLUMNS])
    # The example lives on the notes sheet, so that a template uploaded as it is imports no one.
    notes = workbook.create_sheet("说明")
    notes.append(["列", "必填", "示例"])
    for column, example in zip(COLUMNS, EXAMPLE_ROW, strict=True):
        notes.append([column.header, "是" if column.required else "否", example])
    notes.append(["标签", "", "、".join(TAG_LABELS) + "（逗号或顿号分隔）；年龄标签由出生日期自动计算"])
    for width, letter in zip((12, 8, 12, 10, 6, 12, 22, 14, 10, 18, 16), "ABCDEFGHIJK", strict=True):
        sheet.column_dimensions[letter].width = width
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def read_rows(data: bytes):
    """(header row, iterator of (row number, {key: value})) from the first sheet; SheetError if unreadable.

    Read with calamine (Rust): ten times faster than openpyxl on a 100,000-row sheet. Empty cells
    come back as None, as the row checks expect.
    """
    if not data.startswith(b"PK"):
        raise SheetError(_not_a_workbook())
    check_size(io.BytesIO(data))
    try:
        sheet = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0)
        rows = iter(sheet.iter_rows())
        header = next(rows, None)
    except (CalamineError, ValueError, OSError, IndexError) as exc:
        raise SheetError(_not_a_workbook()) from exc
    if header is None:
        raise SheetError(_("The sheet is empty."))
    header = [str(h).strip() if h not in (None, "") else "" for h in header]
    positions = {c.key: header.index(c.header) for c in COLUMNS if c.header in header}
    missing = [c.header for c in COLUMNS if c.required and c.key not in positions]
    if missing:
        raise SheetError(
            _("The sheet is missing these columns: %(columns)s.") % {"columns": "、".join(missing)}
        )

    def records():
        for number, row in enumerate(rows, start=2):
            if all(v is None or str(v).strip() == "" for v in row):
                continue
            yield number, {key: _value(row[i]) if i < len(row) else None for key, i in positions.items()}

    return header, records()


def check_size(fileobj) -> None:
    """SheetError when the workbook in `fileobj` would inflate beyond MAX_UNCOMPRESSED_MB."""
    try:
        check_zip_archive(fileobj, max_uncompressed=MAX_UNCOMPRESSED_MB * 1024 * 1024)
    except ArchiveTooLarge as exc:
        raise SheetError(
            _(
                "This workbook unpacks to more than %(mb)d MB, more than a residents sheet can be. "
                "Split it into several files, or save it again from Excel."
            )
            % {"mb": MAX_UNCOMPRESSED_MB}
        ) from exc


def check_upload(fileobj) -> None:
    """SheetError, at upload, for a file that cannot be a workbook (not a zip, or a zip without a
    workbook in it) or that would inflate beyond MAX_UNCOMPRESSED_MB. Reads only the zip's
    directory, so a web request can afford it; the rows are read later, by the import's task."""
    fileobj.seek(0)
    if fileobj.read(2) != b"PK":
        fileobj.seek(0)
        raise SheetError(_not_a_workbook())
    check_size(fileobj)
    try:
        with zipfile.ZipFile(fileobj) as archive:
            has_workbook = "xl/workbook.xml" in archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        has_workbook = False
    finally:
        fileobj.seek(0)
    if not has_workbook:
        raise SheetError(_not_a_workbook())


def _not_a_workbook() -> str:
    return _("This file is not an Excel workbook (.xlsx). Download the template and fill it in.")


def _value(cell):
    return None if cell == "" else cell


def rejected_bytes(rejected: list[tuple[dict, str]]) -> bytes:
    """The rejected rows in the template's columns, with the reason in an added last column."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("未导入")
    sheet.append([c.header for c in COLUMNS] + [REASON_HEADER])
    for record, reason in rejected:
        sheet.append(
            [sheet_cell(sheet, _cell(record.get(c.key))) for c in COLUMNS] + [sheet_cell(sheet, reason)]
        )
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _cell(value):
    # Keep ID numbers and mobiles as text so Excel does not turn them into 3.41102E+17.
    return value if value is None or not isinstance(value, int | float) else str(value)
