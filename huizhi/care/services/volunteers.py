"""Volunteers (志愿者): the registry, activities, hours logged and confirmed by the organiser."""

from datetime import date
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from huizhi.care.models import Volunteer, VolunteerActivity, VolunteerHours
from huizhi.care.permissions import can_manage_volunteers
from huizhi.care.services.common import CareError, clean_text, require
from huizhi.places.codes import is_within
from huizhi.registry.models import Resident


def volunteer_register(*, actor, resident: Resident, skills: str = "") -> Volunteer:
    """A resident of the staff's community registered once as a volunteer (and tagged so in the
    registry); a resident of another community, or one already registered, is refused with the reason."""
    require(
        can_manage_volunteers(actor),
        _("Only the community's staff can register its volunteers."),
        "not_allowed",
    )
    require(
        can_manage_volunteers(actor, resident.place_code),
        _("%(name)s is not registered in your community; their own community registers them.")
        % {"name": resident.name},
        "outside",
    )
    require(
        resident.is_active,
        _("%(name)s is no longer active in the registry.") % {"name": resident.name},
        "bad_input",
    )
    skills = clean_text(skills, label=_("Skills"), max_length=200, required=False)
    try:
        with transaction.atomic():
            volunteer = Volunteer.objects.create(
                resident=resident, place_code=resident.place_code, skills=skills
            )
            Resident.objects.filter(pk=resident.pk, volunteer=False).update(volunteer=True)
    except IntegrityError as exc:
        raise CareError(
            _("%(name)s is already a volunteer.") % {"name": resident.name}, code="duplicate"
        ) from exc
    return volunteer


def volunteer_update(*, actor, volunteer_id: int, skills: str) -> Volunteer:
    """A volunteer's skills, changed by the staff of their community."""
    skills = clean_text(skills, label=_("Skills"), max_length=200, required=False)
    with transaction.atomic():
        volunteer = (
            Volunteer.objects.select_for_update(of=("self",)).select_related("resident").get(pk=volunteer_id)
        )
        require(
            can_manage_volunteers(actor, volunteer.place_code),
            _("Only the community's staff can change its volunteers."),
            "not_allowed",
        )
        volunteer.skills = skills
        volunteer.save(update_fields=["skills"])
    return volunteer


def volunteer_activity_create(*, actor, community, title: str, held_on: date) -> VolunteerActivity:
    """An activity of the community; the staff member who creates it organises it and confirms its hours."""
    require(community is not None, _("Choose the community the activity is for."), "bad_input")
    require(
        can_manage_volunteers(actor, community.code),
        _("Only the community's staff can organise its activities."),
        "not_allowed",
    )
    title = clean_text(title, label=_("Title"), max_length=120)
    return VolunteerActivity.objects.create(
        title=title, community=community, community_code=community.code, held_on=held_on, organiser=actor
    )


def _hours(value) -> Decimal:
    try:
        hours = Decimal(str(value)).quantize(Decimal("0.1"))
    except (InvalidOperation, ValueError) as exc:
        raise CareError(_("Hours must be a number."), code="bad_input") from exc
    require(
        Decimal("0") < hours <= Decimal("24"), _("Hours must be more than 0 and at most 24."), "bad_input"
    )
    return hours


def hours_log(*, actor, volunteer_id: int, activity_id: int, served_on: date, hours) -> VolunteerHours:
    """Hours a volunteer served at an activity that has been held, on a day from the activity's
    date to today; once per activity."""
    hours = _hours(hours)
    volunteer = Volunteer.objects.select_related("resident").get(pk=volunteer_id)
    activity = VolunteerActivity.objects.get(pk=activity_id)
    require(
        can_manage_volunteers(actor, activity.community_code),
        _("Only the community's staff can log hours."),
        "not_allowed",
    )
    today = timezone.localdate()
    require(
        activity.held_on <= today,
        _("%(activity)s is held on %(day)s; its hours are logged once it has happened.")
        % {"activity": activity.title, "day": activity.held_on.isoformat()},
        "future",
    )
    require(
        served_on <= today,
        _("Hours cannot be logged for a future date (%(day)s).") % {"day": served_on.isoformat()},
        "future",
    )
    require(
        served_on >= activity.held_on,
        _("%(activity)s was held on %(held)s; hours cannot be served before it, on %(day)s.")
        % {"activity": activity.title, "held": activity.held_on.isoformat(), "day": served_on.isoformat()},
        "bad_input",
    )
    require(
        volunteer.is_active and is_within(volunteer.place_code, activity.community_code),
        _("%(name)s is not an active volunteer of this community.") % {"name": volunteer.resident.name},
        "outside",
    )
    try:
        with transaction.atomic():
            return VolunteerHours.objects.create(
                volunteer=volunteer, activity=activity, served_on=served_on, hours=hours, logged_by=actor
            )
    except IntegrityError as exc:
        raise CareError(
            _("Hours for %(name)s at this activity are already logged.") % {"name": volunteer.resident.name},
            code="duplicate",
        ) from exc


def hours_confirm(*, actor, hours_id: int) -> VolunteerHours:
    """The activity's organiser confirms logged hours; only confirmed hours earn points."""
    with transaction.atomic():
        row = (
            VolunteerHours.objects.select_for_update(of=("self",)).select_related("activity").get(pk=hours_id)
        )
        require(
            row.activity.organiser_id == getattr(actor, "pk", None),
            _("Only the organiser of the activity can confirm its hours."),
            "not_allowed",
        )
        require(row.confirmed_at is None, _("These hours are already confirmed."), "duplicate")
        row.confirmed_by, row.confirmed_at = actor, timezone.now()
        row.save(update_fields=["confirmed_by", "confirmed_at"])
    return row
