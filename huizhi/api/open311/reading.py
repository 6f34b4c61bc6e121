"""What Open311 reads show, and to whom.

Without a key, exactly what the public pages already show: cases whose subclass the street marks
public, cases made from a published wall item, and published wall items not (yet) cases (ids
WP0000123) — the place named by its compound or building at that place's point, no reporter, and
no free text but what is published on the wall (typed mobiles and ID numbers masked). With a key,
every case of the key's place, as the case page's rule lets a system read it
(huizhi.cases.permissions).

Times are printed to the second, and filters compare to the second (`Window`), so a request is
found by the very time it is printed with.
"""

import heapq
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import F, Prefetch, Q, QuerySet
from django.db.models.query import EmptyQuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from huizhi.api.open311.render import bad, w3
from huizhi.cases.models import Case, CaseEvent, Category
from huizhi.cases.permissions import cases_visible_to, sees_case_particulars
from huizhi.cases.selectors import shown_point
from huizhi.cases.states import OPEN_STATUSES, Outcome, Status
from huizhi.core.dates import EARLIEST_YEAR, LATEST_YEAR, in_supported_range
from huizhi.core.pagination import MAX_OFFSET
from huizhi.core.text import mask_typed_personal_numbers
from huizhi.places.kinds import PlaceKind
from huizhi.places.models import Organisation, Place
from huizhi.wall.models import PUBLIC_STAGES, Post, Stage

WINDOW = timedelta(days=90)  # GET requests and updates: the default range, and the longest allowed
# The most requests one answer holds (the spec's suggested cap on its default answer, the last 90
# days): the largest `page_size`, and a list of ids (see `Paging`).
MAX_RESULTS = 1000
# The requests of one page when the client names no page_size: the newest, with a Link header to
# the next page (Chicago's GeoReport server gives 50). A thousand took 0.16 s to build at a
# million cases; a feed polled every few minutes needs the newest few.
DEFAULT_PAGE_SIZE = 100
# A page number longer than this many digits is past the end of any list (and of OFFSET's range).
_PAGE_DIGITS = 18
POST_ID = re.compile(r"WP([0-9]{1,12})", re.IGNORECASE)  # ASCII digits: \d also takes "٣"
# Ids are 64-bit integers; a longer run of digits names no request (and would overflow the query).
_ID_DIGITS = 18

# The statuses of FixMyStreet's Open311 extension (servicerequestupdates), for machines; people
# read the Chinese status_notes / description beside them.
STATUS_BY_STATE = {
    Status.REPORTED: "OPEN",
    Status.ACCEPTED: "INVESTIGATING",
    Status.DISPATCHED: "ACTION_SCHEDULED",
    Status.HANDLING: "IN_PROGRESS",
    Status.HANDLED: "IN_PROGRESS",
    Status.SUSPENDED: "ACTION_SCHEDULED",
    Status.CLOSED: "CLOSED",
    Status.REJECTED: "NO_FURTHER_ACTION",
    Status.MERGED: "DUPLICATE",
}
STATUS_BY_OUTCOME = {
    Outcome.FIXED: "FIXED",
    Outcome.NOT_OUR_RESPONSIBILITY: "NOT_COUNCILS_RESPONSIBILITY",
    Outcome.INVALID: "NO_FURTHER_ACTION",
    Outcome.DUPLICATE: "DUPLICATE",
}
ENDED = (Status.CLOSED, Status.REJECTED, Status.MERGED)


def extended_status(status: str, outcome: str = "") -> str:
    if status in ENDED and outcome in STATUS_BY_OUTCOME:
        return STATUS_BY_OUTCOME[outcome]
    return STATUS_BY_STATE.get(status, "OPEN")


# --- the time window -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    start: datetime
    end: datetime

    @classmethod
    def from_params(cls, params) -> "Window":
        raw_start = (params.get("start_date") or "").strip()
        raw_end = (params.get("end_date") or "").strip()
        start = _parse_moment("start_date", raw_start, end=False) if raw_start else None
        end = _parse_moment("end_date", raw_end, end=True) if raw_end else None
        if start is None and end is None:
            end = timezone.now()
        start = start or end - WINDOW
        end = end or start + WINDOW
        if start > end:
            raise bad(_("start_date is after end_date."))
        if end - start > WINDOW + timedelta(days=1):
            raise bad(_("start_date and end_date may not span more than 90 days."))
        return cls(start, end)


def _parse_moment(name: str, raw: str, *, end: bool) -> datetime:
    """A w3 date-time with its zone (or a whole day, YYYY-MM-DD, in the local zone), widened to
    the whole second (or day) it names: the precision times are printed with."""
    # An unencoded "+" in a query string arrives as a space: "…T00:00:00 08:00".
    text = re.sub(r" (\d{2}:?\d{2})$", r"+\1", raw.strip())
    invalid = _("%(name)s is not an ISO 8601 date-time with a time zone, e.g. 2026-01-01T00:00:00+08:00.") % {
        "name": name
    }
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        try:
            day: date | None = parse_date(text)
        except ValueError:
            day = None
        if day is None:
            raise bad(invalid)
        _supported(name, day)
        start = timezone.make_aware(datetime.combine(day, time.min))
        return start + timedelta(days=1) - timedelta(microseconds=1) if end else start
    try:
        moment = parse_datetime(text)
    except ValueError:
        moment = None
    if moment is None or timezone.is_naive(moment):
        raise bad(invalid)
    _supported(name, moment)
    moment = moment.replace(microsecond=0)
    return moment + timedelta(seconds=1) - timedelta(microseconds=1) if end else moment


def _supported(name: str, moment: date) -> None:
    if not in_supported_range(moment):
        raise bad(
            _("%(name)s must be between the years %(first)d and %(last)d.")
            % {"name": name, "first": EARLIEST_YEAR, "last": LATEST_YEAR}
        )


def comma_list(raw: str | None) -> list[str]:
    return [part.strip() for part in (raw or "").split(",") if part.strip()]


def is_request_id(text: str) -> bool:
    """ASCII digits only (str.isdigit() also accepts "²", which int() refuses), 64-bit at most."""
    return text.isascii() and text.isdigit() and len(text) <= _ID_DIGITS


def post_id(text: str) -> int | None:
    match = POST_ID.fullmatch(text)
    return int(match[1]) if match else None


# --- what each reader may read ---------------------------------------------------------------------


def readable_cases(reader) -> QuerySet[Case]:
    """A key's cases (its place, as REST), or for everyone the public ones."""
    if getattr(reader, "is_authenticated", False):
        cases = cases_visible_to(reader)
    else:
        cases = Case.objects.filter(Q(category__is_public=True) | Q(post__stage__in=PUBLIC_STAGES))
    # The few categories and organisations a page names are read once each (prefetched), not
    # made again on each of up to 1,000 rows.
    categories = Category.objects.only(*CATEGORY_FIELDS)
    return (
        cases.select_related("place", "post")
        .prefetch_related(
            Prefetch("category", queryset=categories),
            Prefetch("community", queryset=Place.objects.only("name")),
            Prefetch("handling_unit", queryset=Organisation.objects.only("name")),
            Prefetch("place__parent", queryset=Place.objects.only(*PLACE_FIELDS)),
            Prefetch("post__category", queryset=categories),
        )
        .only(*CASE_ITEM_FIELDS)
    )


# What an item is made of (`case_items`): loading no other column keeps a 1,000-request answer's
# rows cheap to read (a case row has a dozen timestamps and its search terms, a place its
# boundary). A field read without being listed here costs a query per item (test_open311: the
# list's query count).
PLACE_FIELDS = ("code", "name", "kind", "lon", "lat", "parent_id")
CATEGORY_FIELDS = ("is_public", "name", "code", "closing_condition")
CASE_ITEM_FIELDS = (
    *[
        "status",
        "outcome",
        "merged_into_id",
        "created_at",
        "updated_at",
        "closed_at",
        "handle_due_at",
        "description",
        "media_url",
        "lon",
        "lat",
        "place_code",
        "reporter_id",
        "category_id",
        "place_id",
        "community_id",
        "handling_unit_id",
    ],
    *(f"place__{name}" for name in PLACE_FIELDS),
    *(f"post__{name}" for name in ("stage", "description", "photos_public", "category_id", "case_id")),
)


def readable_posts(reader) -> QuerySet[Post]:
    """For everyone without a key, published wall items that are not cases (a case made from one
    is read as the case). A key reads cases only, with the numeric ids its system stores."""
    if getattr(reader, "is_authenticated", False):
        return Post.objects.none()
    posts = Post.objects.filter(stage__in=PUBLIC_STAGES, case__isnull=True)
    return posts.select_related("category", "community", "place__parent")


def filtered_cases(cases: QuerySet[Case], params, window: Window, *, public: bool = False) -> QuerySet[Case]:
    cases = cases.filter(created_at__gte=window.start, created_at__lte=window.end)
    if codes := comma_list(params.get("service_code")):
        if public:  # by the subclass the reader is shown (see _case_item)
            cases = cases.filter(
                Q(category__is_public=True, category__code__in=codes)
                | Q(category__is_public=False, post__category__code__in=codes)
            )
        else:
            cases = cases.filter(category__code__in=codes)
    statuses = _statuses(params)
    if statuses == {"open"}:
        cases = cases.filter(status__in=OPEN_STATUSES)
    elif statuses == {"closed"}:
        cases = cases.exclude(status__in=OPEN_STATUSES)
    return cases


def filtered_posts(posts: QuerySet[Post], params, window: Window) -> QuerySet[Post]:
    posts = posts.filter(published_at__gte=window.start, published_at__lte=window.end)
    if codes := comma_list(params.get("service_code")):
        posts = posts.filter(category__code__in=codes)
    statuses = _statuses(params)
    if statuses == {"open"}:
        posts = posts.exclude(stage=Stage.ANSWERED)
    elif statuses == {"closed"}:
        posts = posts.filter(stage=Stage.ANSWERED)
    return posts


def _statuses(params) -> set[str]:
    statuses = set(comma_list(params.get("status")))
    if not statuses <= {"open", "closed"}:
        raise bad(_("status is open, closed, or both (comma-separated)."))
    return statuses


# --- the items -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Address:
    text: str
    code: str | None


def _addresses(places: dict[int, Place]) -> dict[int, _Address]:
    """Each item's address, stopping at the building: "扬天小区11栋", a compound, grid or community.

    A household unit is never named. One query for the whole page."""
    wanted = {
        pk: (place.ancestor_code(PlaceKind.BUILDING), place.ancestor_code(PlaceKind.COMPOUND))
        for pk, place in places.items()
    }
    codes = {c for pair in wanted.values() for c in pair if c}
    names = dict(Place.objects.filter(code__in=codes).values_list("code", "name")) if codes else {}
    addresses = {}
    for pk, place in places.items():
        building, compound = wanted[pk]
        if compound:
            text = names.get(compound, "") + (names.get(building, "") if building else "")
            addresses[pk] = _Address(text, building or compound)
        else:
            addresses[pk] = _Address(place.name, place.code)
    return addresses


def _merged_into_readable(reader, ids) -> set[int]:
    """Those of the cases `ids` (what requests were merged into) that `reader` may read. A request
    merged into a case the reader may not see is told only that it was merged, never into which:
    the id would let a public reader probe a private case (its existence, its reference)."""
    ids = {pk for pk in ids if pk}
    if not ids:
        return set()
    return set(readable_cases(reader).filter(pk__in=ids).values_list("pk", flat=True))


def _status_notes(case: Case, readable_targets: set[int]) -> str:
    # The choices' own labels: Django's get_FOO_display() rebuilds a dict of every choice per call
    # (a tenth of a 1,000-request answer's time).
    notes = [Status(case.status).label]
    if case.outcome:
        notes.append(Outcome(case.outcome).label)
    if case.status == Status.MERGED and case.merged_into_id in readable_targets:
        notes.append(_("merged into request %(id)s") % {"id": case.merged_into_id})
    return " · ".join(str(note) for note in notes)


def _public_post(case: Case) -> Post | None:
    post = getattr(case, "post", None)
    return post if post is not None and post.stage in PUBLIC_STAGES else None


def _first_photo_urls(posts: list[Post], request) -> dict[int, str]:
    """The first 'before' photo of each post whose photos are public, as an absolute URL of the
    re-encoded copy (no EXIF)."""
    from huizhi.wall.models import PostPhoto

    public = [post.pk for post in posts if post.photos_are_public]
    first: dict[int, int] = {}
    for photo_pk, post_pk in (
        PostPhoto.objects.filter(post_id__in=public).order_by("id").values_list("pk", "post_id")
    ):
        first.setdefault(post_pk, photo_pk)
    return {
        post_pk: request.build_absolute_uri(reverse("wall:photo", kwargs={"pk": photo_pk}))
        for post_pk, photo_pk in first.items()
    }


def case_items(cases, reader, request) -> list[dict]:
    cases = list(cases)
    addresses = _addresses({case.pk: case.place for case in cases})
    posts = {case.pk: post for case in cases if (post := _public_post(case))}
    photos = _first_photo_urls(list(posts.values()), request)
    targets = _merged_into_readable(reader, {case.merged_into_id for case in cases})
    return [
        _case_item(
            case,
            addresses[case.pk],
            reader,
            posts.get(case.pk),
            photos.get(getattr(posts.get(case.pk), "pk", None)),
            targets,
        )
        for case in cases
    ]


def _case_item(
    case: Case,
    address: _Address,
    reader,
    post: Post | None,
    photo_url: str | None,
    readable_targets: set[int],
) -> dict:
    is_open = case.status in OPEN_STATUSES
    updated = case.closed_at if case.status == Status.CLOSED and case.closed_at else case.updated_at
    agency = case.handling_unit.name if case.handling_unit_id else None
    if agency is None and case.community_id:
        agency = case.community.name  # not yet dispatched: the community's own queue has it
    lon, lat = shown_point(case, reader)
    # A case the public reads only because the wall published it is named as the wall names it: a
    # private subclass staff gave it later (a family dispute, a care need) is not for everyone.
    public_reader = not getattr(reader, "is_authenticated", False)
    category = post.category if public_reader and post and not case.category.is_public else case.category
    if getattr(reader, "is_authenticated", False):
        # A system in scope reads the case's text, numbers typed into it masked.
        text = (
            case.description
            if sees_case_particulars(reader, case)
            else mask_typed_personal_numbers(case.description)
        )
        media_url = case.media_url or photo_url
    else:
        # Everyone else: only text published on the wall, and photos the wall shows.
        text = mask_typed_personal_numbers(post.description) if post else None
        media_url = (case.media_url if case.category.is_public else None) or photo_url
    return {
        "service_request_id": str(case.pk),
        "status": "open" if is_open else "closed",
        "status_notes": _status_notes(case, readable_targets),
        "service_name": category.name,
        "service_code": category.code,
        "description": text,
        "agency_responsible": agency,
        "service_notice": category.closing_condition or None,
        "requested_datetime": w3(case.created_at),
        "updated_datetime": w3(updated),
        "expected_datetime": w3(case.handle_due_at),
        "address": address.text,
        "address_id": address.code,
        "lat": lat,
        "long": lon,
        "media_url": media_url or None,
    }


def post_items(posts, request) -> list[dict]:
    posts = list(posts)
    addresses = _addresses({post.pk: post.place for post in posts})
    photos = _first_photo_urls(posts, request)
    return [
        {
            "service_request_id": post.reference,
            "status": "closed" if post.stage == Stage.ANSWERED else "open",
            "status_notes": str(post.get_stage_display()),
            "service_name": post.category.name,
            "service_code": post.category.code,
            "description": mask_typed_personal_numbers(post.description),
            "agency_responsible": post.community.name,
            "service_notice": None,
            "requested_datetime": w3(post.published_at),
            "updated_datetime": w3(post.answered_at or post.updated_at),
            "expected_datetime": None,
            "address": addresses[post.pk].text,
            "address_id": addresses[post.pk].code,
            "lat": post.place.lat,
            "long": post.place.lon,
            "media_url": photos.get(post.pk),
        }
        for post in posts
    ]


# --- pages (the page / page_size extension) --------------------------------------------------------


@dataclass(frozen=True)
class Paging:
    page: int  # 1-based
    size: int

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.size

    @classmethod
    def from_params(cls, params) -> "Paging":
        """`page` (from 1) and `page_size` (from 1), the paging extension several GeoReport v2
        servers (Chicago's, Boston's) take. Without page_size a page holds DEFAULT_PAGE_SIZE
        requests. A page_size over MAX_RESULTS is served at MAX_RESULTS, as the spec lets a server
        return fewer requests than asked; a page past the end is an empty list, not an error."""
        page = _whole(params, "page", _("page is a whole number from 1."))
        size = _whole(
            params, "page_size", _("page_size is a whole number from 1 to %(max)d.") % {"max": MAX_RESULTS}
        )
        return cls(page or 1, min(size or DEFAULT_PAGE_SIZE, MAX_RESULTS))


def _whole(params, name: str, refusal: str) -> int | None:
    """A positive whole number in ASCII digits, or None when not given; a run of digits too long
    for any list stands for 10**_PAGE_DIGITS (int() of a few thousand digits is itself refused)."""
    raw = (params.get(name) or "").strip()
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit()):
        raise bad(refusal)
    number = int(raw) if len(raw) <= _PAGE_DIGITS else 10**_PAGE_DIGITS
    if number < 1:
        raise bad(refusal)
    return number


CASE, POST = 0, 1  # which table a request comes from; cases first among requests of the same moment


def requests_page(
    cases: QuerySet[Case], posts: QuerySet[Post], paging: Paging, reader, request
) -> tuple[list[dict], bool]:
    """The requests on the page, as items, newest first, and whether a next page holds more.

    Cases and published wall items are one list, ordered by (requested time, table, id) — a total
    order, so walking the pages meets each request once. Each page is cut on times and ids alone
    and only its own rows are read whole: each table gives its newest keys down to the page's end
    (an index walk that stops there — sorting all of the window's keys was 0.4 s at a million
    cases), and the two lists are merged here.
    """
    if paging.offset > MAX_OFFSET:
        return [], False
    window = slice(paging.offset, paging.offset + paging.size + 1)
    if isinstance(posts, EmptyQuerySet):
        # A key reads cases only: the page's ids and rows in one query (the ids a subquery).
        ids = cases.order_by("-created_at", "-id").values("pk")[window]
        rows = list(cases.filter(pk__in=ids).order_by("-created_at", "-id"))
        return case_items(rows[: paging.size], reader, request), len(rows) > paging.size
    case_keys = _newest_keys(cases, "created_at", CASE, window.stop)
    post_keys = _newest_keys(posts, "published_at", POST, window.stop)
    rows = list(heapq.merge(case_keys, post_keys, key=_request_order, reverse=True))[window]
    keys = [(origin, key) for _at, origin, key in rows[: paging.size]]
    return _items_in_order(cases, posts, keys, reader, request), len(rows) > paging.size


def _newest_keys(queryset: QuerySet, time_field: str, origin: int, count: int) -> list[tuple]:
    """(time, origin, id) of the `count` newest rows, largest `_request_order` first (both
    tables' windows filter on their time, so it is never empty)."""
    rows = queryset.order_by(f"-{time_field}", "-pk").values_list(time_field, "pk")[:count]
    return [(at, origin, pk) for at, pk in rows]


def _request_order(key: tuple) -> tuple:
    """Sorted from the largest: newest first; of the same moment, cases before wall items, then
    the higher id first."""
    at, origin, pk = key
    return (at, -origin, pk)


def _items_in_order(
    cases: QuerySet[Case], posts: QuerySet[Post], keys: list[tuple[int, int]], reader, request
) -> list[dict]:
    """The requests `keys` names, as items, in the keys' order."""
    case_ids = [key for origin, key in keys if origin == CASE]
    post_ids = [key for origin, key in keys if origin == POST]
    found: dict[tuple[int, int], dict] = {}
    if case_ids:
        for item in case_items(cases.filter(pk__in=case_ids), reader, request):
            found[CASE, int(item["service_request_id"])] = item
    if post_ids:
        rows = list(posts.filter(pk__in=post_ids))
        found.update(zip([(POST, post.pk) for post in rows], post_items(rows, request), strict=True))
    return [found[key] for key in keys if key in found]


# --- updates (FixMyStreet's servicerequestupdates extension) ---------------------------------------


def readable_updates(reader, window: Window) -> QuerySet[CaseEvent]:
    """Each change of a readable case's state within the window, oldest first."""
    return (
        CaseEvent.objects.filter(
            case__in=readable_cases(reader).values("pk"),
            created_at__gte=window.start,
            created_at__lte=window.end,
        )
        .exclude(to_status="")
        .exclude(to_status=F("from_status"))
        .select_related("case")
        .order_by("created_at", "id")[:MAX_RESULTS]
    )


def update_items(events, reader) -> list[dict]:
    events = list(events)
    targets = _merged_into_readable(reader, {event.data.get("merged_into") for event in events})
    items = []
    for event in events:
        outcome = event.data.get("outcome") or (
            Outcome.DUPLICATE
            if event.to_status == Status.MERGED
            else Outcome.FIXED
            if event.to_status == Status.CLOSED
            else ""
        )
        status = extended_status(event.to_status, outcome)
        notes = [str(Status(event.to_status).label)] if event.to_status in Status.values else []
        notes.insert(0, str(event.label))
        if getattr(reader, "is_authenticated", False) and event.note:
            notes.append(mask_typed_personal_numbers(event.note))
        item = {
            "update_id": str(event.pk),
            "service_request_id": str(event.case_id),
            "status": status,
            "updated_datetime": w3(event.created_at),
            "description": " · ".join(notes),
            "media_url": None,
        }
        if status == "DUPLICATE" and event.data.get("merged_into") in targets:
            item["duplicate_of"] = str(event.data["merged_into"])
        items.append(item)
    return items
