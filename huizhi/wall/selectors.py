"""Reads of the problem wall shared by the public pages, the resident's pages and the staff queue."""

from dataclasses import dataclass, replace

from django.db.models import Count, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404

from huizhi.accounts.scopes import subtree_q
from huizhi.cases.models import Case, CaseEvent, CasePhoto
from huizhi.cases.progress import Step, case_progress
from huizhi.cases.states import Status
from huizhi.places.distance import NEARBY_METRES, box_around, distance_m
from huizhi.places.kinds import PlaceKind
from huizhi.places.models import Place
from huizhi.wall.models import POST_ACTIONS, PUBLIC_STAGES, Post, PostPhoto, Stage


@dataclass
class WallFilter:
    compound: str = ""  # a place code
    category: str = ""  # a class or subclass code

    def apply(self, posts: QuerySet[Post]) -> QuerySet[Post]:
        if self.compound.isdigit():
            posts = posts.filter(subtree_q(self.compound, "place_code"))
        if self.category.isdigit():
            posts = posts.filter(subtree_q(self.category, "category__code"))
        return posts


def public_communities() -> QuerySet[Place]:
    return Place.objects.filter(kind=PlaceKind.COMMUNITY).order_by("code")


def wall_posts(community: Place, wall_filter: WallFilter) -> QuerySet[Post]:
    return wall_filter.apply(Post.objects.on_wall().filter(community=community)).order_by(
        "-published_at", "-id"
    )


def echo_notes(community: Place, limit: int = 10) -> list:
    """The community's latest echo-wall notes (decisions on free topics, projects' progress)."""
    from huizhi.wall.models import EchoNote

    return list(EchoNote.objects.filter(community=community)[:limit])


def echo_posts(community: Place, wall_filter: WallFilter) -> QuerySet[Post]:
    # Latest answer first, whether a direct answer or a case closing (which sets no answered_at):
    # echoed_at stores which, so the order is the echo wall's own index (no join to the cases).
    return wall_filter.apply(Post.objects.on_echo_wall().filter(community=community)).order_by(
        "-echoed_at", "-id"
    )


def with_public_details(posts: QuerySet[Post]) -> QuerySet[Post]:
    """What the public cards show, fetched with the rows in a fixed number of queries."""
    return posts.select_related(
        "place__parent", "category", "case", "case__handling_unit", "community"
    ).prefetch_related(Prefetch("photos", queryset=PostPhoto.objects.order_by("id")), "responses")


def get_public_post(pk: int) -> Post:
    """A post anyone may read, with its card's details: published and not rejected; 404 otherwise
    (drafts and held posts too)."""
    return get_object_or_404(with_public_details(Post.objects.filter(stage__in=PUBLIC_STAGES)), pk=pk)


@dataclass
class CaseOutcome:
    """What the echo wall shows of a case: who fixed it, what they said, the 'after' photos."""

    responder: str
    text: str
    after_photos: list


def case_outcomes(posts: list[Post]) -> dict[int, CaseOutcome]:
    """For posts whose case was closed: the handling unit's result note and photos, by case id."""
    case_ids = [p.case_id for p in posts if p.case_id and p.case.status == Status.CLOSED]
    if not case_ids:
        return {}
    results = {}
    events = (
        CaseEvent.objects.filter(case_id__in=case_ids, action="report_result")
        .order_by("case_id", "created_at", "id")
        .prefetch_related(Prefetch("photos", queryset=CasePhoto.objects.order_by("id")))
    )
    for event in events:
        results[event.case_id] = event  # the last result reported is the one that was verified
    outcomes = {}
    for post in posts:
        if post.case_id not in case_ids:
            continue
        event = results.get(post.case_id)
        case: Case = post.case
        responder = case.handling_unit.name if case.handling_unit_id else post.community.name
        outcomes[post.case_id] = CaseOutcome(
            responder=responder,
            text=event.note if event else "",
            after_photos=list(event.photos.all()) if event and post.photos_public else [],
        )
    return outcomes


def public_case_photo(pk: int) -> CasePhoto | None:
    """A case's result photo may be shown publicly once the case, made from a public post, is closed."""
    return (
        CasePhoto.objects.filter(
            pk=pk,
            event__action="report_result",
            event__case__status=Status.CLOSED,
            event__case__post__stage=Stage.CASE,
            event__case__post__photos_public=True,  # staff kept the item's photos private
        )
        .select_related("event")
        .first()
    )


def nearby_open_posts(
    *, category, lon: float | None, lat: float | None, exclude_id: int | None = None
) -> list[Post]:
    """Open items of the same category within about 250 m, nearest first (to support instead).

    Measured to the other items' public places (compound or building), never to the point their
    authors gave: a distance to a private point, asked from a few chosen spots, would pin a home.
    """
    if lon is None or lat is None:
        return []
    lon_range, lat_range = box_around(lon, lat, NEARBY_METRES)
    candidates = (
        Post.objects.on_wall()
        .filter(category=category)
        .filter(place__lon__range=lon_range, place__lat__range=lat_range)
        .exclude(pk=exclude_id)
        .select_related("place")
    )
    found = []
    for post in candidates:
        metres = distance_m(lon, lat, post.place.lon, post.place.lat)
        if metres <= NEARBY_METRES:
            post.distance_m = round(metres)
            found.append(post)
    return sorted(found, key=lambda p: p.distance_m)[:10]


def my_posts(user) -> QuerySet[Post]:
    return (
        Post.objects.filter(author=user)
        .exclude(stage=Stage.DRAFT)
        .select_related("place", "category", "case", "community")
        .order_by("-created_at", "-id")
    )


def triage_queue(posts: QuerySet[Post], stage: str) -> QuerySet[Post]:
    """Staff's list: held posts to moderate, or open ones to triage — most supported first."""
    return posts.filter(stage=stage).order_by("-supports_count", "published_at", "created_at", "id")


def triage_counts(posts: QuerySet[Post]) -> dict[str, int]:
    """How many wait for triage and for moderation, in one query."""
    return posts.aggregate(
        open=Count("pk", filter=Q(stage=Stage.OPEN)), held=Count("pk", filter=Q(stage=Stage.HELD))
    )


# The post's own steps anyone may read: not the moderation's (held, not published).
PUBLIC_POST_ACTIONS = frozenset(
    {
        "published",
        "published_by_moderator",
        "triage_case",
        "triage_agenda",
        "triage_answer",
        "claimed",
        "responded",
    }
)


def post_history(post: Post, *, for_author: bool) -> list[Step]:
    """What happened to `post`, oldest first: its own steps, then its case's as residents read
    them (huizhi.cases.progress), the case's filing left out (the post's publication says it).
    The author reads every step of their own post with its notes, the result's text and photos;
    anyone else the public steps alone."""
    steps = [
        Step(
            at=event.created_at,
            action=event.action,
            text=str(POST_ACTIONS.get(event.action, event.action)),
            note=event.note if for_author else "",
        )
        for event in post.events.order_by("created_at", "id")
        if for_author or event.action in PUBLIC_POST_ACTIONS
    ]
    if post.case_id:
        # The answer staff gave on making the case is the post's and the case's: said once.
        said = {step.note for step in steps if step.note}
        steps += [
            replace(step, note="") if step.note in said else step
            for step in case_progress(post.case, for_reporter=for_author)
            if step.action != "report"
        ]
    return steps
