"""The lists: needs recorded by the community (or a representative after a visit), resources a
member unit or studio offers. Checked whole before anything is written."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from huizhi.places.codes import is_within
from huizhi.places.kinds import PlaceKind
from huizhi.places.models import Organisation, Place
from huizhi.projects.models import Need, Resource
from huizhi.projects.permissions import manages_place, may_offer_for, may_record_need, resources_visible_to
from huizhi.projects.services.common import (
    ProjectError,
    check_amount,
    check_available_until,
    clean_text,
    record_event,
)
from huizhi.wall.models import PUBLIC_STAGES

MAX_CAPACITY = 100_000


@transaction.atomic
def need_record(
    *,
    actor,
    community: Place,
    title: str,
    description: str,
    source: str,
    place: Place | None = None,
    source_post=None,
) -> Need:
    """An open need of a community the actor keeps (or represents), about a place in it, optionally
    raised on one of its public wall items."""
    if community is None or community.kind != PlaceKind.COMMUNITY:
        raise ProjectError(_("Choose the community the need is in."), field="community")
    if not may_record_need(actor, community):
        raise ProjectError(
            _("You cannot record needs for %(c)s.") % {"c": community.name}, code="not_allowed"
        )
    title = clean_text(title, label=_("Title"), field="title", max_length=120)
    description = clean_text(description, label=_("Description"), field="description")
    if source not in Need.Source.values:
        raise ProjectError(_("Choose where the need came from."), field="source")
    place = place or community
    if not is_within(place.code, community.code):
        raise ProjectError(_("The place is not in %(c)s.") % {"c": community.name}, field="place")
    if source_post is not None and (
        source_post.community_id != community.pk or source_post.stage not in PUBLIC_STAGES
    ):
        raise ProjectError(_("That wall item is not a public item of this community."), field="source_post")
    need = Need.objects.create(
        community=community,
        place=place,
        place_code=place.code,
        title=title,
        description=description,
        source=source,
        source_post=source_post,
        created_by=actor,
    )
    record_event(actor=actor, action="need_recorded", need=need, note=title)
    return need


@transaction.atomic
def need_close(*, actor, need_id: int, reason: str) -> Need:
    """An open need no one will take up, closed by those who keep the community's list, with why."""
    need = Need.objects.select_for_update().filter(pk=need_id).first()
    if need is None or not manages_place(actor, need.place_code):
        raise ProjectError(_("You cannot close this need."), code="not_allowed")
    if need.status != Need.Status.OPEN:
        raise ProjectError(_("Only an open need can be closed."), code="wrong_state")
    reason = clean_text(reason, label=_("Reason"), field="reason")
    need.status = Need.Status.CLOSED
    need.save(update_fields=["status"])
    record_event(actor=actor, action="need_closed", need=need, note=reason)
    return need


def _resource_fields(*, kind, title, description, amount, capacity, available_until) -> dict:
    if kind not in Resource.Kind.values:
        raise ProjectError(_("Choose what kind of resource it is."), field="kind")
    if capacity is not None and not (isinstance(capacity, int) and 0 < capacity <= MAX_CAPACITY):
        raise ProjectError(
            _("Capacity is a number of people or items from 1 to %(max)d.") % {"max": MAX_CAPACITY},
            field="capacity",
        )
    return {
        "kind": kind,
        "title": clean_text(title, label=_("Title"), field="title", max_length=120),
        "description": clean_text(description, label=_("Description"), field="description", required=False),
        "amount": check_amount(amount, label=_("Amount"), field="amount"),
        "capacity": capacity,
        "available_until": check_available_until(available_until),
    }


@transaction.atomic
def resource_record(
    *,
    actor,
    organisation: Organisation,
    kind: str,
    title: str,
    description: str = "",
    amount=None,
    capacity: int | None = None,
    available_until=None,
) -> Resource:
    """An available resource of a member unit or studio: by its own account, or by the staff of a
    community it serves."""
    if organisation is None or not may_offer_for(actor, organisation):
        raise ProjectError(_("You cannot offer resources for that organisation."), code="not_allowed")
    fields = _resource_fields(
        kind=kind,
        title=title,
        description=description,
        amount=amount,
        capacity=capacity,
        available_until=available_until,
    )
    resource = Resource.objects.create(
        organisation=organisation, place_code=organisation.place.code, created_by=actor, **fields
    )
    record_event(actor=actor, action="resource_recorded", resource=resource, note=fields["title"])
    return resource


@transaction.atomic
def resource_update(
    *,
    actor,
    resource_id: int,
    kind: str,
    title: str,
    description: str = "",
    amount=None,
    capacity: int | None = None,
    available_until=None,
    withdraw: bool = False,
) -> Resource:
    """A resource's details changed (or withdrawn) by whoever may offer for its organisation; one
    already matched keeps what the project relies on and can no longer be edited."""
    resource = (
        (resources_visible_to(actor).select_for_update(of=("self",)).select_related("organisation__place"))
        .filter(pk=resource_id)
        .first()
    )
    if resource is None:
        raise ProjectError(_("No such resource."), code="not_found")
    if not may_offer_for(actor, resource.organisation):
        raise ProjectError(_("You cannot change this resource."), code="not_allowed")
    if resource.status != Resource.Status.AVAILABLE:
        raise ProjectError(_("A matched or withdrawn resource cannot be changed."), code="wrong_state")
    fields = _resource_fields(
        kind=kind,
        title=title,
        description=description,
        amount=amount,
        capacity=capacity,
        available_until=available_until,
    )
    for name, value in fields.items():
        setattr(resource, name, value)
    resource.updated_at = timezone.now()
    if withdraw:
        resource.status = Resource.Status.WITHDRAWN
    resource.save(update_fields=[*fields, "updated_at", "status"])
    note = _("Withdrawn") if withdraw else fields["title"]
    record_event(actor=actor, action="resource_updated", resource=resource, note=str(note))
    return resource
