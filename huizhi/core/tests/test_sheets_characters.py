"""Text a workbook cannot hold as it is (found by attacking the residents import from outside):
U+FFFE and U+FFFF are not XML, and openpyxl wrote them into the sheet as they were, so the residents
export of a whole community failed to open for one such name; and text that reads like Excel's own
escape of a character (`_x0000_`) came back from the next reader as that character."""

import io

from openpyxl import Workbook, load_workbook
from python_calamine import CalamineWorkbook

from huizhi.core.sheets import sheet_cell
from huizhi.registry import sheet


def written(values: list, headers: list | None = None) -> bytes:
    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet("s")
    worksheet.append(headers or ["a", "b", "c"])
    worksheet.append([sheet_cell(worksheet, v) for v in values])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_characters_xml_cannot_hold_are_dropped_and_the_workbook_opens():
    data = written(["张\uffff三", "9单元\ufffe157", "lone \ud800 surrogate"])
    rows = list(load_workbook(io.BytesIO(data), read_only=True).worksheets[0].iter_rows(values_only=True))
    assert rows[1] == ("张三", "9单元157", "lone  surrogate")


def test_text_that_reads_as_an_escape_comes_back_as_that_text():
    values = ["a_x0000_b", "_x0007_", "_X001f_ and _x00zz_"]
    # calamine reads the escapes as Excel does (openpyxl's reader leaves them as written).
    rows = CalamineWorkbook.from_filelike(io.BytesIO(written(values))).get_sheet_by_index(0).to_python()
    assert rows[1] == values
    # Through the import's own reader, as a refused row a person fixed comes back.
    headers = [c.header for c in sheet.COLUMNS]
    row = ["a_x0000_b" if c.key == "name" else "x" for c in sheet.COLUMNS]
    _header, records = sheet.read_rows(written(row, headers))
    ((_number, record),) = list(records)
    assert record["name"] == "a_x0000_b"


def test_ordinary_text_is_unchanged():
    assert sheet_cell(None, "扬天小区11栋 2单元101 x_1 _x12_") == "扬天小区11栋 2单元101 x_1 _x12_"
