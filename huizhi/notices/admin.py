from django.contrib import admin

from huizhi.notices.models import Follow, Notice, NoticePreference


@admin.register(Notice)
class NoticeAdmin(admin.ModelAdmin):
    """Read-only: notices are published and withdrawn through the console (audited)."""

    list_display = ["title", "place", "valid_from", "valid_until", "withdrawn_at", "told_count"]
    list_filter = ["withdrawn_at"]
    search_fields = ["title"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Follow)
class FollowAdmin(admin.ModelAdmin):
    list_display = ["user", "place", "created_at"]
    raw_id_fields = ["user", "place"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(NoticePreference)
class NoticePreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "texts", "updated_at"]
    raw_id_fields = ["user"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
