"""Meeting places: a community's staff keep the list of where it meets (协商议事亭, halls, studios)."""

import math

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from huizhi.accounts.roles import Role
from huizhi.accounts.scopes import scopes_of
from huizhi.core.audit import audit_record, model_action
from huizhi.meetings.models import Venue, VenueKind
from huizhi.meetings.services.common import MeetingError, clean_text
from huizhi.places.kinds import PlaceKind
from huizhi.places.models import Place

# The street's neighbourhood: a point outside this box is a typo (lat/lng swapped, a lost digit),
# not a venue. China spans roughly 73–136 E and 3–54 N.
LON_RANGE = (73.0, 136.0)
LAT_RANGE = (3.0, 54.0)


@transaction.atomic
def venue_create(
    *, actor, community: Place, name: str, kind: str, address: str, lon: float | None, lat: float | None
) -> Venue:
    """A meeting place of a community its staff keep, with a kind, an address and a point in China;
    one name once per community. Audited, as a change to the street's configuration."""
    if community is None or community.kind != PlaceKind.COMMUNITY:
        raise MeetingError(_("Choose the community the venue belongs to."), field="community")
    if not scopes_of(actor).covers(community.code, Role.COMMUNITY_STAFF):
        raise MeetingError(
            _("Only %(community)s's staff keep its meeting places.") % {"community": community.name},
            code="not_allowed",
        )
    if kind not in VenueKind.values:
        raise MeetingError(_("Choose the kind of venue."), field="kind")
    name = clean_text(name, label=_("Name"), max_length=120)
    address = clean_text(address, label=_("Address"), max_length=200)
    _check_point(lon, lat)
    try:
        with transaction.atomic():
            venue = Venue.objects.create(
                name=name,
                kind=kind,
                community=community,
                community_code=community.code,
                address=address,
                lon=lon,
                lat=lat,
                created_by=actor,
            )
    except IntegrityError as exc:
        raise MeetingError(
            _("%(community)s already has a venue called %(name)s.")
            % {"community": community.name, "name": name},
            code="already",
            field="name",
        ) from exc
    audit_record(
        actor=actor,
        action=model_action(venue, "create"),
        target=venue,
        changes={"kind": kind, "address": address, "lon": lon, "lat": lat},
    )
    return venue


def _check_point(lon, lat) -> None:
    if lon is None or lat is None:
        raise MeetingError(_("Give the venue's point: its longitude and latitude."), field="lon")
    for value, (low, high), label, field in (
        (lon, LON_RANGE, _("Longitude"), "lon"),
        (lat, LAT_RANGE, _("Latitude"), "lat"),
    ):
        if not math.isfinite(value) or not low <= value <= high:
            raise MeetingError(
                _("%(label)s %(value)s is not in China (%(low)s to %(high)s).")
                % {"label": label, "value": value, "low": low, "high": high},
                field=field,
            )
