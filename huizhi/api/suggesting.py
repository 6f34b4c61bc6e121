"""The category of a filing, through intake (the API's one door to it): the subclass a filing
names, from intake's kept catalog (`named_subclass`); and for a filing that names none (REST
without `category`, Open311 without `service_code`), intake's first suggestion for its text, when
intake is sure enough of it (issue 17).

What intake suggested is recorded for every report through the outbound seam
(`huizhi.intake.services.suggestions.record_reports`). A case filed under the category returned
here is reported with `category_suggested` (its report's timeline line says so), so it is recorded
as chosen by intake and left out of the suggestions' accuracy: no person chose it, so it says
nothing of how good they are."""

from huizhi.cases.models import Category
from huizhi.intake.services.suggestions import active_subclass, suggest

# At or below this, intake's first guess is too often wrong to file a case under without a person: the
# filing is refused as before and the client names the category. Keyword confidences are each
# subclass's share of the matched keywords, so above 0.6 one subclass clearly dominates the text.
MIN_CONFIDENCE = 0.6


def suggested_category(title: str, text: str) -> Category | None:
    """The subclass intake ranks first for `title` and `text`, if its confidence is above
    MIN_CONFIDENCE; None otherwise (nothing matched, or no clear winner)."""
    # No place is passed: suggest() would then also look up the unit the routing rules give, which
    # choosing a category does not need (the case is routed at dispatch, as every case is).
    found = suggest(title, text)
    if not found.categories:
        return None
    category, confidence = found.categories[0]
    return category if confidence > MIN_CONFIDENCE else None


def named_subclass(code) -> Category | None:
    """The active subclass a filing names by `code`, from intake's kept catalog (no query; a copy),
    or None for any other value: the caller then looks it up, and refuses it, as it always did."""
    return active_subclass(code) if isinstance(code, str) else None
