from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from huizhi.core.admin import PlacementFrozenAdmin, ReadOnlyAdmin
from huizhi.registry.models import AccessLog, Household, ImportJob, ResidencyClaim, Resident


@admin.register(Household)
class HouseholdAdmin(PlacementFrozenAdmin):
    placement_fields = ("unit",)
    list_display = ["unit", "residence", "created_at"]
    list_filter = ["residence"]
    search_fields = ["unit__name", "unit__code"]
    autocomplete_fields = ["unit"]

    def save_model(self, request, obj, form, change):
        obj.place_code = obj.unit.code  # the copy scope filters read, set with the placement
        super().save_model(request, obj, form, change)


@admin.register(Resident)
class ResidentAdmin(PlacementFrozenAdmin):
    """Personal data stays masked here too: reveals go through the resident page, which logs them."""

    list_display = ["name", "gender", "birth_date", "masked_id_number", "masked_mobile", "household"]
    list_filter = ["gender", "lives_alone", "empty_nest", "disabled", "low_income", "party_member"]
    search_fields = ["name"]
    exclude = ["id_number", "mobile"]
    readonly_fields = ["masked_id_number", "masked_mobile", "place_code", "account"]
    autocomplete_fields = ["household"]
    placement_fields = ("household",)

    def save_model(self, request, obj, form, change):
        obj.place_code = obj.household.place_code  # the copy scope filters read, set with the placement
        super().save_model(request, obj, form, change)

    @admin.display(description=_("ID number"))
    def masked_id_number(self, resident):
        return resident.masked_id_number

    @admin.display(description=_("Mobile number"))
    def masked_mobile(self, resident):
        return resident.masked_mobile


@admin.register(AccessLog)
class AccessLogAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "user", "action", "field", "resident", "reason", "ip_address"]
    list_filter = ["action"]


@admin.register(ImportJob)
class ImportJobAdmin(ReadOnlyAdmin):
    list_display = [
        "file_name",
        "user",
        "status",
        "total_rows",
        "created",
        "updated",
        "unchanged",
        "rejected",
    ]
    exclude = ["rejected_file", "upload"]


@admin.register(ResidencyClaim)
class ResidencyClaimAdmin(ReadOnlyAdmin):
    """Decided on the residency-claims page by community staff (huizhi.registry.services.residency)."""

    list_display = ["__str__", "status", "created_at", "decided_at"]
    list_filter = ["status"]
