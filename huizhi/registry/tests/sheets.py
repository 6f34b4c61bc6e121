"""Build and read residents sheets (.xlsx) the way a community fills in the template.

Rows are dicts keyed by the template's Chinese headers, so a test reads like the sheet it builds.
"""

import io
from datetime import date

from openpyxl import Workbook, load_workbook

from huizhi.registry import sheet
from huizhi.registry.idnumber import make_id_number

HEADERS = [column.header for column in sheet.COLUMNS]
REGION = "341102"  # 琅琊区

# Sequence numbers for test people: 3-digit sequences 900–999, above every demo person's.
FIRST_TEST_SEQUENCE = 450


def id_number(seq: int, birth: date, gender: str = "M") -> str:
    return make_id_number(REGION, birth, FIRST_TEST_SEQUENCE + seq, gender)


def mobile(seq: int) -> str:
    """A mobile in a block no demo person uses (the demo uses 1390000xxxx)."""
    return f"1390001{seq:04d}"


def person_row(
    seq: int,
    *,
    birth: date = date(1950, 3, 2),
    gender: str = "M",
    compound: str = "扬天小区",
    building: str = "11栋",
    room: str = "2单元101",
    name: str | None = None,
    tags: str = "",
    relationship: str = "户主",
    residence: str = "",
    with_mobile: bool = True,
    **overrides,
) -> dict:
    """A row that imports cleanly for 花园街社区 staff; `overrides` replace cells by header."""
    row = {
        "小区": compound,
        "楼栋": building,
        "房号": room,
        "姓名": name or f"测试{seq:02d}",
        "性别": "男" if gender == "M" else "女",
        "出生日期": birth.isoformat(),
        "公民身份号码": id_number(seq, birth, gender),
        "手机号码": mobile(seq) if with_mobile else "",
        "与户主关系": relationship,
        "居住情况": residence,
        "标签": tags,
    }
    row.update(overrides)
    return row


def xlsx(rows: list[dict], *, headers: list[str] | None = None) -> bytes:
    """A workbook whose first sheet has `headers` (the template's by default) and one line per row."""
    headers = HEADERS if headers is None else headers
    workbook = Workbook()
    worksheet = workbook.active
    worksheet.title = "居民"
    worksheet.append(headers)
    for row in rows:
        worksheet.append([row.get(h) for h in headers])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def read_xlsx(data: bytes) -> tuple[list[str], list[dict]]:
    """(headers, rows as dicts) of the first sheet."""
    worksheet = load_workbook(io.BytesIO(data), read_only=True).worksheets[0]
    lines = list(worksheet.iter_rows(values_only=True))
    headers = [str(h) for h in lines[0]]
    return headers, [dict(zip(headers, line, strict=False)) for line in lines[1:]]


def all_cells(data: bytes) -> str:
    """Every cell of every sheet as one string, to search for values that must not be there."""
    workbook = load_workbook(io.BytesIO(data), read_only=True)
    return "\n".join(
        "\t".join("" if v is None else str(v) for v in line)
        for worksheet in workbook.worksheets
        for line in worksheet.iter_rows(values_only=True)
    )
