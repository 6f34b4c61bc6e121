"""Patrols (巡查): starting and stopping one, and checking in at places on the way."""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from huizhi.core.audit import audit_record, model_action
from huizhi.fieldwork.models import FAR_METRES, CheckIn, Patrol
from huizhi.fieldwork.permissions import FIELD_PLACE_KINDS, can_check_in, worker_grid_codes, works_at
from huizhi.fieldwork.services.common import FieldworkError, clean_point, clean_text, require
from huizhi.places.codes import subtree_q
from huizhi.places.distance import distance_m
from huizhi.places.kinds import PlaceKind
from huizhi.places.models import Place

NOTE_MAX = 200


def open_patrol_of(user) -> Patrol | None:
    return Patrol.objects.filter(worker=user, ended_at__isnull=True).select_related("grid").first()


def patrol_start(*, actor, grid: Place | None = None) -> Patrol:
    """The worker's patrol of one of their grids (their only grid when none is named); one open
    patrol per worker, kept under concurrency by the database's unique condition."""
    codes = worker_grid_codes(actor)
    require(bool(codes), _("Only grid workers patrol."), "not_allowed")
    if grid is None and len(codes) == 1:
        grid = Place.objects.filter(code=codes[0], kind=PlaceKind.GRID).first()
    require(grid is not None, _("Choose the grid you patrol."), field="grid")
    require(
        grid.kind == PlaceKind.GRID and works_at(actor, grid.code),
        _("%(grid)s is not one of your grids.") % {"grid": grid.name},
        "not_allowed",
        field="grid",
    )
    already = _("You are already on a patrol; stop it before starting another.")
    require(open_patrol_of(actor) is None, already, "already")
    try:
        with transaction.atomic():
            patrol = Patrol.objects.create(worker=actor, grid=grid, place_code=grid.code)
            audit_record(
                actor=actor, action=model_action(patrol, "start"), target=patrol, changes={"grid": grid}
            )
    except IntegrityError as exc:  # a second tap that raced the first
        raise FieldworkError(already, code="already") from exc
    return patrol


def _locked_own_patrol(actor, patrol_id: int) -> Patrol:
    patrol = Patrol.objects.select_for_update().select_related("grid").filter(pk=patrol_id).first()
    # Someone else's patrol is refused as if it did not exist.
    require(
        patrol is not None and patrol.worker_id == actor.pk,
        _("This is not your patrol."),
        "not_allowed",
    )
    return patrol


@transaction.atomic
def patrol_stop(*, actor, patrol_id: int) -> Patrol:
    """End the worker's open patrol now; a stopped patrol stays stopped."""
    patrol = _locked_own_patrol(actor, patrol_id)
    require(patrol.ended_at is None, _("This patrol has already been stopped."), "wrong_state")
    patrol.ended_at = max(timezone.now(), patrol.started_at)
    patrol.save(update_fields=["ended_at"])
    audit_record(
        actor=actor,
        action=model_action(patrol, "stop"),
        target=patrol,
        changes={"check_ins": patrol.check_ins.count(), "minutes": patrol.minutes},
    )
    return patrol


def nearest_place(grid_code: str, lon: float, lat: float) -> tuple[Place | None, float | None]:
    """The compound or building of the grid nearest the point ("near me"), with its distance."""
    candidates = Place.objects.filter(
        subtree_q(grid_code, "code"), kind__in=FIELD_PLACE_KINDS, lon__isnull=False, lat__isnull=False
    ).only("id", "code", "name", "kind", "lon", "lat", "parent_id")
    best, best_m = None, None
    for place in candidates:
        metres = distance_m(lon, lat, place.lon, place.lat)
        # A building beats its compound at the same spot: it says more.
        if best_m is None or metres < best_m or (metres == best_m and place.kind == PlaceKind.BUILDING):
            best, best_m = place, metres
    return best, best_m


@transaction.atomic
def patrol_check_in(
    *, actor, patrol_id: int, place: Place | None = None, lon=None, lat=None, note: str = ""
) -> CheckIn:
    """The worker was at `place` (a compound or building of the patrol's grid) now. The phone's
    point is optional; with no place named, the point names the nearest one. A point more than
    FAR_METRES from the place is kept and flagged, not refused: phones err, and the log says so."""
    patrol = _locked_own_patrol(actor, patrol_id)
    require(patrol.ended_at is None, _("This patrol has been stopped; start a new one."), "wrong_state")
    lon, lat = clean_point(lon, lat)
    note = clean_text(note, label=_("Note"), field="note", max_length=NOTE_MAX)
    if place is None:
        require(lon is not None, _("Choose the place, or use your location."), field="place")
        place, _metres = nearest_place(patrol.place_code, lon, lat)
        require(
            place is not None,
            _("No compound or building of this grid has a map point; choose the place."),
            field="place",
        )
    require(
        can_check_in(actor, patrol, place),
        _("%(place)s is outside the grid of this patrol.") % {"place": place.name},
        "outside",
        field="place",
    )
    metres = None
    if lon is not None and place.lon is not None and place.lat is not None:
        metres = round(distance_m(lon, lat, place.lon, place.lat))
    return CheckIn.objects.create(
        patrol=patrol,
        place=place,
        place_code=place.code,
        at=timezone.now(),
        lon=lon,
        lat=lat,
        distance_m=metres,
        far=metres is not None and metres > FAR_METRES,
        note=note,
    )
