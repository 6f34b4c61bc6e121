from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _

from huizhi.accounts.models import LoginCode, RoleAssignment, User
from huizhi.core.admin import AuditedAdmin, ReadOnlyAdmin, TolerantAutocomplete


class RoleAssignmentInline(TolerantAutocomplete, admin.TabularInline):
    model = RoleAssignment
    extra = 0
    autocomplete_fields = ["place", "organisation", "group"]


@admin.register(User)
class HuizhiUserAdmin(AuditedAdmin, UserAdmin):
    list_display = ["username", "full_name", "is_active", "last_login"]
    search_fields = ["username", "full_name"]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        (_("Person"), {"fields": ["full_name"]}),
        (_("Permissions"), {"fields": ["is_active", "is_staff", "is_superuser"]}),
        (_("Important dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    inlines = [RoleAssignmentInline]


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(AuditedAdmin):
    list_display = ["user", "role", "place", "organisation", "group"]
    list_filter = ["role"]
    autocomplete_fields = ["user", "place", "organisation", "group"]


@admin.register(LoginCode)
class LoginCodeAdmin(ReadOnlyAdmin):
    """Sign-in codes keep only a hash; the admin shows when and how often, to spot abuse."""

    list_display = ["__str__", "ip", "attempts", "created_at", "expires_at", "used_at"]
