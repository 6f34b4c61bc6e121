from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from huizhi.core.admin import ReadOnlyAdmin
from huizhi.places.admin_filters import CommunityFilter
from huizhi.wall.models import (
    Claim,
    EchoNote,
    Post,
    PostEvent,
    PostPhoto,
    Response,
    ResponseTemplate,
    SensitiveWord,
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
    list_filter = ["stage", CommunityFilter]
    search_fields = ["title"]
    list_select_related = ["community", "place", "category"]

    @admin.display(description=_("Reference"), ordering="pk")
    def reference(self, post):
        return post.reference


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


@admin.register(SensitiveWord)
class SensitiveWordAdmin(admin.ModelAdmin):
    """Moderators keep the sensitive-word lexicon beside the list the product ships."""

    list_display = ["word", "category", "is_active", "note", "updated_at"]
    list_filter = ["is_active", "category"]
    search_fields = ["word", "note"]
    actions = ["switch_on", "switch_off"]

    # A bulk update skips auto_now; the processes notice a changed lexicon by updated_at.
    @admin.action(description=_("Switch the selected words on"))
    def switch_on(self, request, queryset):
        queryset.update(is_active=True, updated_at=timezone.now())

    @admin.action(description=_("Switch the selected words off"))
    def switch_off(self, request, queryset):
        queryset.update(is_active=False, updated_at=timezone.now())


@admin.register(EchoNote)
class EchoNoteAdmin(ReadOnlyAdmin):
    list_display = ["community", "name", "created_at"]
