"""Cells for the spreadsheets the app hands out (exports people open in Excel or WPS)."""

# A cell a spreadsheet would read as a formula (or DDE) when it starts with one of these.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def sheet_cell(value):
    """A value safe to put in an exported sheet: typed text that a spreadsheet would run as a
    formula (=HYPERLINK(…), +cmd…) is kept as text by a leading apostrophe (OWASP's advice for
    CSV/formula injection); numbers and dates pass as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
