from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from huizhi.core.admin import ReadOnlyAdmin
from huizhi.stats.models import CaseFact, DailyFigures, MonthlyFigures, MonthlyGridFigures, RollupState

# The roll-ups are a copy of the cases, kept by huizhi.stats.rollups and rebuilt by
# `manage.py stats_rollup --rebuild`: readable here, never edited by hand.


def _count(name: str, label):
    """A count column of the roll-ups under its name in the statistics (the model's columns are
    named by their code: they are added in a loop, one per figure)."""

    @admin.display(description=label, ordering=name)
    def column(row):
        return getattr(row, name)

    column.__name__ = name
    return column


REPORTED = _count("reported", _("Reported"))
DUE = _count("due", _("Due to close (应结案)"))
CLOSED = _count("closed", _("Closed"))
RATED = _count("rated", _("Rated"))


@admin.register(CaseFact)
class CaseFactAdmin(ReadOnlyAdmin):
    list_display = ["case", "area_code", "status", "created_at", "handle_due_at", "closed_at", "kept_at"]
    search_fields = ["area_code"]
    raw_id_fields = ["case"]


@admin.register(DailyFigures)
class DailyFiguresAdmin(ReadOnlyAdmin):
    list_display = ["day", "area_code", "category_id", "unit_id", REPORTED, DUE, CLOSED, RATED]
    list_filter = ["day"]
    search_fields = ["area_code"]


@admin.register(MonthlyFigures)
class MonthlyFiguresAdmin(ReadOnlyAdmin):
    list_display = ["month", "area_code", "category_id", "unit_id", REPORTED, DUE, CLOSED, RATED]
    search_fields = ["area_code"]


@admin.register(MonthlyGridFigures)
class MonthlyGridFiguresAdmin(ReadOnlyAdmin):
    list_display = ["month", "area_code", "grid_id", "unit_id", "reporter_id", REPORTED, DUE, CLOSED]
    search_fields = ["area_code"]


@admin.register(RollupState)
class RollupStateAdmin(ReadOnlyAdmin):
    list_display = ["rebuilt_at", "rebuilt_since", "seconds"]
