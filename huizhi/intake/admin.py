from django.contrib import admin

from huizhi.core.admin import AuditedAdmin, ReadOnlyAdmin
from huizhi.intake.models import CaseSignature, CaseSupport, CategoryKeywords, Suggestion, TrainedModel


@admin.register(CategoryKeywords)
class CategoryKeywordsAdmin(AuditedAdmin):
    """Keywords steer the cold start's suggestions, so routing: every change is audited."""

    list_display = ["category", "keywords"]
    search_fields = ["category__name", "category__code", "keywords"]
    list_select_related = ["category"]


@admin.register(TrainedModel)
class TrainedModelAdmin(ReadOnlyAdmin):
    list_display = ["id", "purpose", "created_at", "source", "examples"]
    list_filter = ["purpose"]
    exclude = ["data"]  # megabytes of arrays

    def has_delete_permission(self, request, obj=None):
        return True  # deleting the newest puts the one before back in use (or the keywords)


@admin.register(Suggestion)
class SuggestionAdmin(ReadOnlyAdmin):
    list_display = ["case", "chosen", "method", "top1", "top3", "created_at"]
    list_filter = ["method", "top1", "top3"]


@admin.register(CaseSupport)
class CaseSupportAdmin(ReadOnlyAdmin):
    list_display = ["case", "user", "created_at"]


@admin.register(CaseSignature)
class CaseSignatureAdmin(ReadOnlyAdmin):
    """Derived from open cases (kept by intake's subscriber): read here, never edited."""

    list_display = ["case", "community_code", "compound_code", "created_at"]
    exclude = ["signature"]  # packed counts, unreadable to a person
