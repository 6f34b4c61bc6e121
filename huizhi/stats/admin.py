from django.contrib import admin

from huizhi.core.admin import ReadOnlyAdmin
from huizhi.stats.models import CaseFact, DailyFigures, MonthlyFigures, MonthlyGridFigures, RollupState

# The roll-ups are a copy of the cases, kept by huizhi.stats.rollups and rebuilt by
# `manage.py stats_rollup --rebuild`: readable here, never edited by hand.


@admin.register(CaseFact)
class CaseFactAdmin(ReadOnlyAdmin):
    list_display = ["case", "area_code", "status", "created_at", "handle_due_at", "closed_at", "kept_at"]
    search_fields = ["area_code"]
    raw_id_fields = ["case"]


@admin.register(DailyFigures)
class DailyFiguresAdmin(ReadOnlyAdmin):
    list_display = ["day", "area_code", "category_id", "unit_id", "reported", "due", "closed", "rated"]
    list_filter = ["day"]
    search_fields = ["area_code"]


@admin.register(MonthlyFigures)
class MonthlyFiguresAdmin(ReadOnlyAdmin):
    list_display = ["month", "area_code", "category_id", "unit_id", "reported", "due", "closed", "rated"]
    search_fields = ["area_code"]


@admin.register(MonthlyGridFigures)
class MonthlyGridFiguresAdmin(ReadOnlyAdmin):
    list_display = ["month", "area_code", "grid_id", "unit_id", "reporter_id", "reported", "due", "closed"]
    search_fields = ["area_code"]


@admin.register(RollupState)
class RollupStateAdmin(ReadOnlyAdmin):
    list_display = ["rebuilt_at", "rebuilt_since", "seconds"]
