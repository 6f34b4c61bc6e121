"""Cells for the spreadsheets the app hands out (exports, rejected rows people fix and re-import)."""

from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE


def sheet_cell(sheet, value):
    """A value for `sheet.append()` that a spreadsheet shows exactly as typed and never runs.

    openpyxl stores any string that starts with "=" as a formula, so a name typed as
    =HYPERLINK(…) or =cmd|' /C calc'!A0 would come back live. Such a string becomes a text cell
    (type "s", with Excel's quote prefix so that editing it keeps it text): the value itself is
    unchanged, so a person can fix a rejected row and import it again. Other strings are stored
    as strings by openpyxl already (a leading +, - or @ is a danger in CSV, which the app does not
    write). Characters XML cannot hold (control characters) are dropped instead of failing the
    whole workbook. Numbers and dates pass as they are. Works for normal and write-only sheets.
    """
    if not isinstance(value, str):
        return value
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    if not value.startswith("="):
        return value
    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"
    cell.quotePrefix = True
    return cell
