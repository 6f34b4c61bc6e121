from django.contrib import admin
from django.utils.translation import gettext as _

from huizhi.core.admin import AuditedAdmin, ReadOnlyAdmin
from huizhi.intake.models import (
    Accuracy,
    CaseSignature,
    CaseSupport,
    CategoryKeywords,
    Suggestion,
    TrainedModel,
)


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
    list_display = ["case", "chosen", "chosen_by", "method", "top1", "top3", "created_at"]
    list_filter = ["chosen_by", "method", "top1", "top3"]

    def changelist_view(self, request, extra_context=None):
        """The accuracy over the rows listed (as filtered), those intake chose itself left out."""
        response = super().changelist_view(request, extra_context)
        changelist = (getattr(response, "context_data", None) or {}).get("cl")  # not on a redirect
        if changelist is not None:
            response.context_data["subtitle"] = accuracy_line(changelist.queryset.accuracy())
        return response


def accuracy_line(accuracy: Accuracy) -> str:
    if not accuracy.judged:
        return _("Accuracy: no report whose category a person chose yet.")
    return _(
        "Accuracy over %(n)d reports whose category a person chose: first suggestion %(top1).1f%%, "
        "among the three %(top3).1f%% (reports filed under the first suggestion by intake itself "
        "are not counted)."
    ) % {"n": accuracy.judged, "top1": 100 * accuracy.top1_rate, "top3": 100 * accuracy.top3_rate}


@admin.register(CaseSupport)
class CaseSupportAdmin(ReadOnlyAdmin):
    list_display = ["case", "user", "created_at"]


@admin.register(CaseSignature)
class CaseSignatureAdmin(ReadOnlyAdmin):
    """Derived from open cases (kept by intake's subscriber): read here, never edited."""

    list_display = ["case", "community_code", "compound_code", "created_at"]
    exclude = ["signature"]  # packed counts, unreadable to a person
