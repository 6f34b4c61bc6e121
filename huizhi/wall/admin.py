from django.contrib import admin

from huizhi.core.admin import ReadOnlyAdmin
from huizhi.wall.models import (
    Claim,
    Post,
    PostEvent,
    PostPhoto,
    Response,
    ResponseTemplate,
    SpamPattern,
    Support,
)


@admin.register(Post)
class PostAdmin(ReadOnlyAdmin):
    """Posts change through moderation and triage (huizhi.wall.services), never by hand."""

    list_display = [
        "reference",
        "title",
        "community",
        "place",
        "category",
        "stage",
        "supports_count",
        "created_at",
    ]
    list_filter = ["stage", "community"]
    search_fields = ["title"]
    list_select_related = ["community", "place", "category"]


@admin.register(PostEvent, PostPhoto, Support, Claim, Response)
class WallRecordAdmin(ReadOnlyAdmin):
    pass


@admin.register(ResponseTemplate)
class ResponseTemplateAdmin(admin.ModelAdmin):
    list_display = ["outcome", "category", "community", "text"]
    list_filter = ["outcome"]


@admin.register(SpamPattern)
class SpamPatternAdmin(admin.ModelAdmin):
    """Moderators keep the patterns that hold posts for review."""

    list_display = ["pattern", "is_regex", "note", "is_active"]
    list_filter = ["is_active", "is_regex"]
