from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from huizhi.cases.clocks import accept_deadline
from huizhi.cases.errors import CaseActionError
from huizhi.cases.models import Case, Category
from huizhi.cases.search import title_terms
from huizhi.cases.services.common import clean_photos, clean_text, record_event
from huizhi.cases.states import Action, Level, Source, Status
from huizhi.places.codes import is_within
from huizhi.places.kinds import PlaceKind
from huizhi.places.models import Place
from huizhi.places.selectors import grid_for_point

TITLE_MAX = 120


def locate(
    place: Place | None, lon: float | None, lat: float | None, *, within: tuple[str, ...] | None = None
) -> tuple[Place, Place | None, Place | None]:
    """(deepest place, grid, community) from a chosen place and/or a point on the map.

    A point must be whole (both coordinates) and inside a grid; with a place as well, the point
    must lie in that place's grid (or, for a community, in one of its grids). `within` (the
    reporter's place codes; None for anywhere) bounds where a case may be filed: the same scope
    the reporter reads, so no one files a case they could not then see."""
    _check_whole_point(lon, lat)
    point_grid = None
    if lon is not None and lat is not None:
        point_grid = _grid_at_point(lon, lat)
        place = _place_at_point(place, point_grid)
    _check_fileable_place(place, within, field="place" if lon is None else "lat")
    if point_grid is not None and is_within(place.code, point_grid.code):
        # The point's grid and its community, as the grid index holds them: no query.
        return place, point_grid, point_grid.parent
    grid, community = _grid_and_community(place)
    return place, grid, community


def _check_whole_point(lon: float | None, lat: float | None) -> None:
    if (lon is None) != (lat is None):
        raise CaseActionError(
            _("Send both longitude and latitude, or neither."),
            code="bad_input",
            field="lat" if lat is None else "lon",
        )


def _grid_at_point(lon: float, lat: float) -> Place:
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise CaseActionError(
            _("The location is not a valid longitude and latitude."), code="bad_input", field="lat"
        )
    point_grid = grid_for_point(lon, lat)
    if point_grid is None:
        raise CaseActionError(
            _("That location is outside every grid of the street. Choose the compound instead."),
            code="outside",
            field="lat",
        )
    return point_grid


def _place_at_point(place: Place | None, point_grid: Place) -> Place:
    """The chosen place, checked against the point's grid; the point's grid when none was chosen."""
    if place is None:
        return point_grid
    if not (is_within(place.code, point_grid.code) or is_within(point_grid.code, place.code)):
        raise CaseActionError(
            _("The location given lies in %(grid)s, not in %(place)s. Give it again or choose the place.")
            % {"grid": point_grid.name, "place": place.name},
            code="bad_input",
            field="lat",
        )
    return place


def _check_fileable_place(place: Place | None, within: tuple[str, ...] | None, *, field: str) -> None:
    """A place deep enough for a case, inside the reporter's scope (`field` names the input blamed)."""
    if place is None:
        raise CaseActionError(
            _("Say where the problem is: choose a compound or building, or use your location."),
            code="bad_input",
            field="place",
        )
    if place.kind in (PlaceKind.DISTRICT, PlaceKind.STREET):
        raise CaseActionError(
            _("Choose a community, grid, compound or building."), code="bad_input", field="place"
        )
    if within is not None and not any(is_within(place.code, root) for root in within):
        raise CaseActionError(
            _("%(place)s is outside the places you may file cases for.") % {"place": place.name},
            code="outside_scope",
            field=field,
        )


def _grid_and_community(place: Place) -> tuple[Place | None, Place | None]:
    by_code = {
        p.code: p
        for p in Place.objects.filter(
            code__in=[place.ancestor_code(PlaceKind.GRID), place.ancestor_code(PlaceKind.COMMUNITY)]
        )
    }
    return by_code.get(place.ancestor_code(PlaceKind.GRID)), by_code.get(
        place.ancestor_code(PlaceKind.COMMUNITY)
    )


def case_report(
    *,
    actor,
    category: Category,
    title: str,
    description: str,
    source: str,
    place: Place | None = None,
    lon: float | None = None,
    lat: float | None = None,
    photos=(),
    reporter_label: str = "",
    within: tuple[str, ...] | None = None,
    answers: list[dict] = (),
    media_url: str = "",
    category_suggested: bool = False,
) -> Case:
    """A new case in `reported`, placed in its grid and community, with its acceptance clock running.

    `within`: the place codes the reporter may file in (see `locate`); None for anywhere.
    `answers`: the subclass's questions answered (huizhi.cases.questions.clean_answers).
    `media_url`: a photo's address kept as given by the filing system, never fetched.
    `category_suggested`: no person chose the category, intake's suggestion for the text was taken
    (a hotline filing that names none); said on the report's timeline line."""
    _check_category_and_source(category, source)
    title = clean_text(title, label=_("Title"), max_length=TITLE_MAX)
    description = clean_text(description, label=_("Description"))
    place, grid, community = locate(place, lon, lat, within=within)
    cleaned = clean_photos(photos)
    case = _new_case(
        actor=actor,
        category=category,
        title=title,
        description=description,
        source=source,
        place=place,
        grid=grid,
        community=community,
        lon=lon,
        lat=lat,
        reporter_label=reporter_label,
        media_url=_clean_media_url(media_url),
    )
    _save_reported(
        case,
        description=description,
        photos=cleaned,
        data={
            "source": source,
            **({"answers": list(answers)} if answers else {}),
            **({"category_suggested": True} if category_suggested else {}),
        },
    )
    return case


def _check_category_and_source(category: Category, source: str) -> None:
    if not category.is_subclass or not category.is_active:
        raise CaseActionError(_("Choose a subclass of an active category."), code="bad_input")
    if source not in Source.values:
        raise CaseActionError(_("Unknown source."), code="bad_input")


def _new_case(
    *,
    actor,
    category,
    title,
    description,
    source,
    place,
    grid,
    community,
    lon,
    lat,
    reporter_label,
    media_url,
) -> Case:
    """The unsaved case in `reported`, at the point given (else its place's), its acceptance clock set."""
    now = timezone.now()
    case = Case(
        title=title,
        title_terms=title_terms(title),
        description=description,
        source=source,
        category=category,
        status=Status.REPORTED,
        level=Level.COMMUNITY,
        place=place,
        place_code=place.code,
        grid=grid,
        community=community,
        lon=lon if lon is not None else place.lon,
        lat=lat if lat is not None else place.lat,
        reporter=actor if getattr(actor, "is_authenticated", False) else None,
        reporter_label=reporter_label,
        media_url=media_url,
        created_at=now,
        last_event_at=now,  # its report, recorded at the same time (record_event then leaves it)
    )
    accept_deadline(case, now)
    return case


def _save_reported(case: Case, *, description: str, photos, data: dict) -> None:
    """The case saved with its first timeline event, the report."""
    with transaction.atomic():
        case.save()
        report = record_event(
            case=case,
            actor=case.reporter,
            action=Action.REPORT,
            to_status=Status.REPORTED,
            note=description,
            photos=photos,
            data=data,
            at=case.created_at,
        )
    # The new case's whole timeline is its report: whoever answers with the case reads none back.
    case._prefetched_objects_cache = {"events": [report]}


MEDIA_URL_MAX = 500


def _clean_media_url(url: str) -> str:
    url = (url or "").strip()
    if not url:
        return ""
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        url = ""  # refused below
    # Shown to other systems and the public as given: no credentials in it, and none of the
    # characters that would break out of an attribute in a page built from it.
    if url and (urlsplit(url).username is not None or any(ch in url for ch in "\"'<>` ")):
        url = ""
    if not url or len(url) > MEDIA_URL_MAX:
        raise CaseActionError(
            _("media_url is an http or https address of at most %(max)d characters.")
            % {"max": MEDIA_URL_MAX},
            code="bad_input",
            field="media_url",
        )
    return url


def source_for_reporter(user) -> str:
    """Where a report typed into the report page comes from, by who types it: grid workers and
    liaisons are on patrol; staff take reports by phone or at the counter; residents post."""
    from huizhi.accounts.roles import Role
    from huizhi.accounts.scopes import scopes_of

    roles = scopes_of(user).roles
    if roles & {Role.GRID_WORKER, Role.BUILDING_LIAISON}:
        return Source.PATROL
    if roles:
        return Source.HOTLINE
    return Source.WALL
