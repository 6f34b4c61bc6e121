"""The staff case list as .xlsx: the rows the page's filter keeps, in its order, at most EXPORT_MOST.

A workbook leaves the console (it is mailed, printed, kept on a laptop), so it carries what may be
read outside: the reporter's name masked, mobiles and ID numbers typed into a title masked, the
place never finer than its building. Every cell goes through huizhi.core.sheets.sheet_cell.
"""

import io
from datetime import datetime

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from huizhi.cases.models import Case
from huizhi.cases.selectors import OUTWARD_RELATED, public_place
from huizhi.cases.templatetags.cases_tags import time_left
from huizhi.core.sheets import sheet_cell
from huizhi.core.text import mask_person_name, mask_typed_personal_numbers

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXPORT_MOST = 10_000


def _local(moment: datetime | None):
    # openpyxl writes no zone: the time as the street reads it.
    return timezone.localtime(moment).replace(tzinfo=None) if moment else ""


def _reporter(case: Case) -> str:
    name = str(case.reporter) if case.reporter_id else case.reporter_label
    return mask_person_name(name)


def _place(case: Case) -> str:
    place = public_place(case.place)
    community = case.community.name if case.community_id else ""
    return f"{community} {place.name}".strip() if community != place.name else place.name


def queue_workbook(cases: QuerySet[Case], now: datetime | None = None) -> bytes:
    """A workbook of `cases` (already filtered and ordered): a header row, a row per case up to
    EXPORT_MOST, and a last line saying so when the list was longer."""
    now = now or timezone.now()
    rows = list(cases.select_related(*OUTWARD_RELATED, "reporter")[: EXPORT_MOST + 1])
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("Cases"))
    header = [
        _("Reference"),
        _("Title"),
        _("Category"),
        _("Place"),
        _("Status"),
        _("Reported"),
        _("Due"),
        _("Time left"),
        _("Reporter"),
    ]
    sheet.append([sheet_cell(sheet, h) for h in header])
    for case in rows[:EXPORT_MOST]:
        due, _warn = case.running_deadline()
        values = [
            case.reference,
            mask_typed_personal_numbers(case.title),
            case.category.name,
            _place(case),
            case.get_status_display(),
            _local(case.created_at),
            _local(due),
            time_left(case, now),
            _reporter(case),
        ]
        sheet.append([sheet_cell(sheet, v) for v in values])
    if len(rows) > EXPORT_MOST:
        note = _("Only the first %(n)s cases are listed: narrow the filter to export the rest.") % {
            "n": f"{EXPORT_MOST:,}"
        }
        sheet.append([sheet_cell(sheet, note)])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
