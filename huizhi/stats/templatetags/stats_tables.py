"""`{% load stats_tables %}`: a statistics table's body rows, drawn in Python.

A street's page shows several tables of up to PAGE_ROWS rows and ten columns; drawn cell by cell
with template tags that was a large part of the page's time."""

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.simple_tag
def table_body_rows(table) -> SafeString:
    """The <tr>s of `table.page_rows`: the first cell as text, the others right-aligned figures."""
    rows = []
    for row in table.page_rows:
        first, *rest = row
        cells = format_html_join("", '<td class="num">{}</td>', ((value,) for value in rest))
        rows.append(format_html("<tr><td>{}</td>{}</tr>", first, cells))
    return mark_safe("".join(rows))  # noqa: S308 — every part escaped by format_html above
