"""Cells for the spreadsheets the app hands out (exports, rejected rows people fix and re-import)."""

import re

from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

# What XML 1.0 cannot hold beyond openpyxl's control characters: lone surrogates and the two
# noncharacters U+FFFE and U+FFFF. openpyxl writes them as they are, and the workbook no longer
# opens (the residents export of a whole community, for one such name).
_NOT_XML = re.compile("[\ud800-\udfff\ufffe\uffff]")
# Excel's escape for a character in a cell (_x0007_): a cell holding such text literally must be
# written with its underscore escaped (_x005F_), or every reader, ours too, turns it into the
# character — a rejected row sent back would come back with a NUL in it.
_LOOKS_ESCAPED = re.compile("_(x[0-9A-Fa-f]{4}_)")


def sheet_cell(sheet, value):
    """A value for `sheet.append()` that a spreadsheet shows exactly as typed and never runs.

    openpyxl stores any string that starts with "=" as a formula, so a name typed as
    =HYPERLINK(…) or =cmd|' /C calc'!A0 would come back live. Such a string becomes a text cell
    (type "s", with Excel's quote prefix so that editing it keeps it text): the value itself is
    unchanged, so a person can fix a rejected row and import it again. Other strings are stored
    as strings by openpyxl already (a leading +, - or @ is a danger in CSV, which the app does not
    write). Characters XML cannot hold (control characters) are dropped instead of failing the
    whole workbook, and text that reads as Excel's escape of a character is kept as text. Numbers
    and dates pass as they are. Works for normal and write-only sheets.
    """
    if not isinstance(value, str):
        return value
    value = _NOT_XML.sub("", ILLEGAL_CHARACTERS_RE.sub("", value))
    value = _LOOKS_ESCAPED.sub(r"_x005F_\1", value)
    if not value.startswith("="):
        return value
    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"
    cell.quotePrefix = True
    return cell
