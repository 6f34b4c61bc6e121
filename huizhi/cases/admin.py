from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from huizhi.cases.models import (
    CallBack,
    Case,
    CaseEvent,
    CasePhoto,
    Category,
    DispatchDelegation,
    Notification,
    ReportSubmission,
    RoutingRule,
    SupervisionNotice,
)
from huizhi.core.admin import AuditedAdmin, ReadOnlyAdmin


@admin.register(Category)
class CategoryAdmin(AuditedAdmin):
    list_display = [
        "code",
        "name",
        "kind",
        "accept_limit",
        "accept_unit",
        "handle_limit",
        "handle_unit",
        "is_active",
    ]
    list_filter = ["kind", "is_active"]
    search_fields = ["code", "name"]


@admin.register(RoutingRule)
class RoutingRuleAdmin(AuditedAdmin):
    list_display = ["__str__", "category", "applies_to", "target", "organisation"]
    autocomplete_fields = ["category", "organisation"]


class CaseEventInline(admin.TabularInline):
    model = CaseEvent
    extra = 0
    fields = ["created_at", "action", "from_status", "to_status", "actor_label", "note"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Case)
class CaseAdmin(ReadOnlyAdmin):
    """Cases change state only through case_transition(); the admin is for looking."""

    list_display = [
        "reference",
        "title",
        "status",
        "level",
        "category",
        "community",
        "handling_unit",
        "created_at",
    ]
    list_filter = ["status", "level", "source"]
    search_fields = ["title"]
    inlines = [CaseEventInline]

    @admin.display(description=_("Reference"), ordering="pk")
    def reference(self, case):
        return case.reference


@admin.register(CaseEvent)
class CaseEventAdmin(ReadOnlyAdmin):
    list_display = ["case", "action", "from_status", "to_status", "actor_label", "created_at"]
    list_filter = ["action"]


@admin.register(CasePhoto)
class CasePhotoAdmin(ReadOnlyAdmin):
    list_display = ["event", "image", "width", "height"]


@admin.register(SupervisionNotice)
class SupervisionNoticeAdmin(ReadOnlyAdmin):
    list_display = ["case", "unit", "issued_by", "reply_due_at", "replied_at"]


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["user", "text", "created_at", "read_at"]


@admin.register(CallBack)
class CallBackAdmin(ReadOnlyAdmin):
    list_display = ["case", "called_by", "reached", "satisfaction", "called_at"]
    list_filter = ["reached", "satisfaction"]


@admin.register(ReportSubmission)
class ReportSubmissionAdmin(ReadOnlyAdmin):
    list_display = ["key", "user", "case", "created_at"]


@admin.register(DispatchDelegation)
class DispatchDelegationAdmin(ReadOnlyAdmin):
    list_display = ["community", "category", "granted_by", "granted_at"]
