from django.contrib import admin

from huizhi.api.models import ApiKey, IdempotentRequest, WebhookDelivery, WebhookSubscription
from huizhi.core.admin import AuditedAdmin, ReadOnlyAdmin


@admin.register(ApiKey)
class ApiKeyAdmin(AuditedAdmin):
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
            api_key_revoke(prefix=key.prefix, actor=request.user)


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(AuditedAdmin):
    list_display = ["name", "url", "place", "is_active"]
    autocomplete_fields = ["place"]


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    """Last status and attempts of every delivery, to see which subscriber is failing."""

    list_display = [
        "subscription",
        "event",
        "status",
        "attempts",
        "last_status_code",
        "last_error",
        "next_attempt_at",
        "delivered_at",
    ]
    list_filter = ["status"]
    readonly_fields = ["body"]  # the exact JSON every attempt sends (not editable, so listed here)


@admin.register(IdempotentRequest)
class IdempotentRequestAdmin(ReadOnlyAdmin):
    """The first answers kept for clients that retry a filing (24 hours)."""

    list_display = ["created_at", "client", "key", "status"]
    exclude = ["body"]
