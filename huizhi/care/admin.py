from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from huizhi.care import models
from huizhi.core.admin import ReadOnlyAdmin


class CommunityFacilityAdmin(admin.ModelAdmin):
    """A facility of one community. Scope filters and the catchment read the stored
    `community_code`, which no form edits: it is copied from the community chosen here."""

    readonly_fields = ["community_code"]

    def save_model(self, request, obj, form, change):
        obj.community_code = obj.community.code
        super().save_model(request, obj, form, change)


@admin.register(models.CareStation)
class CareStationAdmin(CommunityFacilityAdmin):
    list_display = ["name", "community", "operator"]


@admin.register(models.CareService)
class CareServiceAdmin(admin.ModelAdmin):
    list_display = ["name", "station", "kind", "is_active"]
    list_filter = ["kind", "is_active"]


@admin.register(models.ChildcareCentre)
class ChildcareCentreAdmin(CommunityFacilityAdmin):
    list_display = ["name", "community", "operator"]


@admin.register(models.SummerTerm)
class SummerTermAdmin(CommunityFacilityAdmin):
    list_display = ["name", "community", "starts_on", "ends_on", "capacity"]


@admin.register(models.CareAlert)
class CareAlertAdmin(ReadOnlyAdmin):
    """Alerts are raised and cleared by the services; the admin only reads them."""

    list_display = ["text", "kind", "raised_at", "cleared_at"]
    list_filter = ["kind"]


@admin.register(models.AuthorisedAdult)
class AuthorisedAdultAdmin(ReadOnlyAdmin):
    """Personal data stays masked here too."""

    list_display = ["name", "relationship", "masked_mobile", "enrolment"]
    exclude = ["mobile"]
    readonly_fields = ["masked_mobile"]

    @admin.display(description=_("mobile"))
    def masked_mobile(self, adult):
        return adult.masked_mobile


@admin.register(models.ChildcareApplication)
class ChildcareApplicationAdmin(ReadOnlyAdmin):
    """Applied for by parents and decided by the centre's staff through the services; read here."""

    list_display = ["child", "klass", "status", "applied_at", "decided_at"]
    list_filter = ["status"]
    exclude = ["other_mobile"]
    readonly_fields = ["masked_other_mobile"]

    @admin.display(description=_("their mobile"))
    def masked_other_mobile(self, application):
        return application.masked_other_mobile


# Rows written by the care services only (enrolments, contacts, hours …): the admin reads them.
for model in (
    models.CareSession,
    models.SessionEnrolment,
    models.HomeServiceRequest,
    models.WatchedResident,
    models.Watcher,
    models.WatchContact,
    models.ChildcareClass,
    models.ChildcareCarer,
    models.CarerDayOff,
    models.ChildcareEnrolment,
    models.ChildcareAttendance,
    models.SummerEnrolment,
    models.SummerSession,
    models.SummerAttendance,
    models.Volunteer,
    models.VolunteerActivity,
    models.VolunteerHours,
):
    admin.site.register(model, ReadOnlyAdmin)
