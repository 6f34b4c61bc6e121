"""Read-only: patrols, visits and fixes are written through the phone pages' services (and a fix's
case through the case services); cadences through the console page, which audits them."""

from django.contrib import admin

from huizhi.fieldwork.models import CheckIn, Patrol, SpotFix, Visit, VisitCadence


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Patrol)
class PatrolAdmin(_ReadOnly):
    list_display = ["worker", "grid", "started_at", "ended_at"]
    raw_id_fields = ["worker", "grid"]


@admin.register(CheckIn)
class CheckInAdmin(_ReadOnly):
    list_display = ["patrol", "place", "at", "distance_m", "far"]
    list_filter = ["far"]
    raw_id_fields = ["patrol", "place"]


@admin.register(VisitCadence)
class VisitCadenceAdmin(_ReadOnly):
    list_display = ["community", "tag", "every_days", "updated_by", "updated_at"]


@admin.register(Visit)
class VisitAdmin(_ReadOnly):
    """Never the notes: they are personal data, read on the visit pages within scope."""

    list_display = ["household", "visited_on", "worker", "case"]
    fields = ["household", "place_code", "worker", "visited_on", "case", "patrol", "created_at"]
    raw_id_fields = ["household", "worker", "case", "patrol"]


@admin.register(SpotFix)
class SpotFixAdmin(_ReadOnly):
    list_display = ["case", "worker", "created_at", "in_sample", "check_result", "checked_by"]
    list_filter = ["in_sample", "check_result"]
    raw_id_fields = ["case", "worker", "patrol", "checked_by"]
