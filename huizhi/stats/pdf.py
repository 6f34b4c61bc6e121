"""The monthly report as a PDF: the same tables as the .xlsx (huizhi.stats.tables, one definition
of each figure), laid out on A4 by WeasyPrint in the Chinese font the machine has through
fontconfig (Debian's fonts-noto-cjk). Nothing is fetched while drawing: the style is inline and
every URL the document might name is refused."""

from django.template.loader import render_to_string
from django.utils.translation import get_language

from huizhi.stats.tables import TEXT, Dashboard, Table

PDF = "application/pdf"
TEMPLATE = "stats/report_pdf.html"


def _fetcher():
    """A WeasyPrint URL fetcher that fetches nothing: no network, no file, no data: URL."""
    from weasyprint.urls import URLFetcher

    class NoFetching(URLFetcher):
        def fetch(self, url, headers=None):
            raise ValueError(f"The report fetches nothing: {url[:80]}")

    return NoFetching()


# A text column (a name, a figure's label) is this many times as wide as a column of figures.
TEXT_WEIGHT = 3


def _widths(numeric: list[bool]) -> list[str] | None:
    """Each column's share of the page width, or None (the table sizes itself) when every column
    is text: a fixed layout keeps ten columns of figures inside A4 and gives the names room."""
    if not any(numeric):
        return None
    weights = [1 if is_num else TEXT_WEIGHT for is_num in numeric]
    return [f"{100 * w / sum(weights):.2f}%" for w in weights]


def _table(table: Table) -> dict:
    """A table as the template lays it out: its cells as the page shows them, and which columns
    hold figures (right-aligned)."""
    numeric = [column.kind != TEXT for column in table.columns]
    widths = _widths(numeric) or [""] * len(numeric)
    return {
        "key": table.key,
        "title": table.title,
        "note": table.note,
        "fixed": any(numeric),
        "columns": [
            {"label": column.label, "numeric": is_num, "width": width}
            for column, is_num, width in zip(table.columns, numeric, widths, strict=True)
        ],
        "rows": [list(zip(row, numeric, strict=True)) for row in table.display_rows()],
    }


def report_html(dashboard: Dashboard, tables: list[Table]) -> str:
    """The report's HTML: a title, the headline tiles, then each table in order."""
    context = {
        "board": dashboard,
        "tables": [_table(table) for table in tables],
        "language": get_language() or "zh-hans",
    }
    return render_to_string(TEMPLATE, context)


def report_pdf(dashboard: Dashboard, tables: list[Table]) -> bytes:
    """The report as PDF bytes (A4; long tables go on across pages with their header rows)."""
    # Imported here: WeasyPrint loads Pango when imported, which only the PDF needs.
    from weasyprint import HTML

    return HTML(string=report_html(dashboard, tables), url_fetcher=_fetcher()).write_pdf()
