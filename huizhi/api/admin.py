from django.contrib import admin

from huizhi.api.models import ApiKey


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    """Keys are made by `huizhi api_key create` (the key is shown once); here they are listed and revoked."""

    list_display = ["name", "prefix", "place", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["name", "prefix", "place", "created_at", "last_used_at"]
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    @admin.action(description="Revoke the selected keys")
    def revoke(self, request, queryset):
        from huizhi.api.keys import api_key_revoke

        for key in queryset:
            api_key_revoke(prefix=key.prefix)
