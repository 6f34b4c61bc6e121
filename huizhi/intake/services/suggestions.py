"""Category and unit suggestions for a report that is being typed, and the record of what was chosen."""

import copy
import logging
from dataclasses import dataclass, field

from huizhi.cases.models import Case, CaseEvent, Category
from huizhi.cases.routing import default_unit
from huizhi.core.kept import KeptCopy
from huizhi.intake import keywords, store
from huizhi.intake.models import Suggestion, TrainedModel
from huizhi.intake.textmodel import normalise
from huizhi.places.kinds import PlaceKind
from huizhi.places.models import Organisation, Place

logger = logging.getLogger(__name__)

TOP = 3
MIN_CHARS = 2  # one character says nothing: no suggestion, and no error either


@dataclass
class Suggestions:
    """The top categories with their confidence (0–1), and the unit the routing rules give for the
    first one at the place (None without a place or a rule). `method`: "model", "keywords" or
    "none" (nothing to go on)."""

    categories: list[tuple[Category, float]] = field(default_factory=list)
    unit: Organisation | None = None
    method: str = "none"
    model_id: int | None = None

    def as_json(self) -> dict:
        return {
            "method": self.method,
            "categories": [
                {
                    "id": c.pk,
                    "code": c.code,
                    "name": c.name,
                    "class_name": c.parent.name if c.parent_id else "",
                    "confidence": round(conf, 3),
                }
                for c, conf in self.categories
            ],
            "unit": {"id": self.unit.pk, "name": self.unit.name} if self.unit else None,
        }


@dataclass(frozen=True)
class Catalog:
    """What a suggestion is made from: the active subclasses (with their classes) and their keywords."""

    subclasses: list[Category]
    words: dict[int, frozenset[str]]


def _load_catalog() -> Catalog:
    keywords.ensure_defaults()
    subclasses = list(Category.objects.filter(is_active=True, parent__isnull=False).select_related("parent"))
    return Catalog(subclasses=subclasses, words=keywords.words_by_category(subclasses))


# Every report filed asks for a suggestion (record_reports): the categories and keywords are
# read once per process, not three queries a report. Their writes say so (huizhi.intake.apps).
catalog = KeptCopy("intake:catalog-version", _load_catalog)


def _subclasses() -> list[Category]:
    return catalog.get().subclasses


def active_subclass(code: str) -> Category | None:
    """The active subclass with `code` (its class read too), from the kept catalog: a filing names
    its category without a query. A copy, which the caller may change. None for any other code
    (a class, an inactive one, none): the caller asks the database, which says why."""
    for category in _subclasses():
        if category.code == code:
            found = copy.copy(category)
            found.parent = copy.copy(category.parent)
            return found
    return None


def _by_label(subclasses: list[Category]) -> dict[str, Category]:
    """A model's labels are subclass codes when it learnt from the database; a sheet's may be
    subclass names. Labels naming neither (a sheet's own classes) cannot be filed, so are skipped."""
    found = {c.name: c for c in subclasses}
    found.update({c.code: c for c in subclasses})
    return found


def suggest(title: str, text: str = "", place: Place | None = None) -> Suggestions:
    """Up to three active subclasses the report is probably about, best first, and the unit the
    rules route the first to at `place`. Empty or one-character text: an empty suggestion."""
    if len(normalise(f"{title}{text}").replace(" ", "")) < MIN_CHARS:
        return Suggestions()
    kept = catalog.get()
    subclasses = kept.subclasses
    result = Suggestions()
    model_id, model = store.current(TrainedModel.Purpose.ROUTING)
    if model is not None:
        by_label = _by_label(subclasses)
        ranked = [
            (by_label[label], confidence)
            for label, confidence in model.ranked(title, text, k=len(model.labels))
            if label in by_label
        ]
        if ranked:
            result = Suggestions(categories=ranked[:TOP], method="model", model_id=model_id)
    if result.method == "none":
        scored = keywords.keyword_scores(title, text, subclasses, kept.words)
        if scored:
            result = Suggestions(categories=scored[:TOP], method="keywords")
    # Copies: the kept rows are every caller's, and a caller may change what it is given.
    result.categories = [(copy.copy(c), confidence) for c, confidence in result.categories]
    if place is not None and result.categories:
        community_code = place.ancestor_code(PlaceKind.COMMUNITY)
        community = Place.objects.filter(code=community_code).first() if community_code else None
        result.unit = default_unit(result.categories[0][0], place, community)
    return result


def record_reports(events: list[CaseEvent]) -> None:
    """Outbound subscriber of reports, in batches (huizhi.intake.apps): keep what intake suggests
    for each case's text next to the category it was filed with (any path: page, phone, wall,
    API). A case filed under intake's own suggestion (its report says `category_suggested`) is
    recorded as chosen by intake and left out of the accuracy. A case is reported once: a second
    telling of its report (the worker ran it again) keeps the first record."""
    records = []
    for event in events:
        case: Case = event.case
        found = suggest(case.title, case.description)
        codes = [c.code for c, _conf in found.categories]
        by_person = not (event.data or {}).get("category_suggested")
        records.append(
            Suggestion(
                case=case,
                suggested=[[c.code, round(conf, 4)] for c, conf in found.categories],
                chosen_id=case.category_id,
                chosen_by=Suggestion.ChosenBy.PERSON if by_person else Suggestion.ChosenBy.SUGGESTION,
                method=found.method,
                model_id=found.model_id,
                # Filed under the first suggestion by intake itself: a hit by construction, so neither.
                top1=(bool(codes) and codes[0] == case.category.code) if by_person else None,
                top3=(case.category.code in codes) if by_person else None,
                created_at=event.created_at,  # when it was filed, however late the worker keeps it
            )
        )
    Suggestion.objects.bulk_create(records, ignore_conflicts=True)
