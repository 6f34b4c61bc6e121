"""The statistics tables as .xlsx: one table as a download, or a workbook with a sheet per table
(the monthly report). Every cell goes through huizhi.core.sheets.sheet_cell, so a name someone
typed as =… stays text."""

import io
import re

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from openpyxl import Workbook

from huizhi.core.sheets import sheet_cell
from huizhi.stats.tables import PERCENT, TEXT, Dashboard, Table

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_SHEET_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def _title(text: str, taken: set[str]) -> str:
    """A sheet title Excel accepts (31 characters, none of []:*?/\\), unique in its workbook."""
    base = _SHEET_TITLE_FORBIDDEN.sub(" ", text)[:31] or "sheet"
    title, n = base, 2
    while title in taken:
        suffix = f" ({n})"
        title, n = base[: 31 - len(suffix)] + suffix, n + 1
    taken.add(title)
    return title


def _cell(value, kind: str = TEXT):
    if isinstance(value, Promise):  # a label to translate (gettext_lazy): its text
        value = str(value)
    if value is None:
        return "—"  # no figure: a dash, as on the page, never 0
    if kind == PERCENT:
        return float(value)
    return value


def _write(sheet, dashboard: Dashboard, table: Table) -> None:
    heading = [
        f"{dashboard.scope.label} · {dashboard.period.label}",
        _("as of %(time)s") % {"time": f"{dashboard.computed_at:%Y-%m-%d %H:%M}"},
    ]
    for row in ([table.title], heading, [c.label for c in table.columns]):
        sheet.append([sheet_cell(sheet, _cell(value)) for value in row])
    for row in table.rows:
        sheet.append([sheet_cell(sheet, _cell(v, c.kind)) for v, c in zip(row, table.columns, strict=True)])
    if table.note:
        sheet.append([sheet_cell(sheet, _cell(table.note))])


def workbook_bytes(dashboard: Dashboard, tables: list[Table]) -> bytes:
    book = Workbook(write_only=True)
    taken: set[str] = set()
    for table in tables:
        _write(book.create_sheet(_title(table.title, taken)), dashboard, table)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
