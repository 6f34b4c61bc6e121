"""Household visits (走访 / 民情日志) and the cadence each community sets for them."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from huizhi.care.kinds import ELDERLY_AGE
from huizhi.care.models import CareStation
from huizhi.care.services import CareError, home_service_request
from huizhi.cases.errors import CaseActionError
from huizhi.cases.models import Category
from huizhi.cases.services.report import case_report
from huizhi.cases.states import Source
from huizhi.core.audit import audit_record, model_action
from huizhi.core.text import in_site_language, mask_typed_personal_numbers
from huizhi.fieldwork.models import CADENCE_DAYS_MAX, NeedOutcome, Visit, VisitCadence
from huizhi.fieldwork.permissions import can_log_visit, can_set_cadence_for, worker_grid_codes
from huizhi.fieldwork.services.common import FieldworkError, clean_past_date, clean_text, require
from huizhi.fieldwork.services.patrols import open_patrol_of
from huizhi.meetings.services import MeetingError, agenda_item_propose
from huizhi.places.kinds import PlaceKind
from huizhi.places.models import Place
from huizhi.registry.models import Household, Resident
from huizhi.registry.tags import Tag

NOTE_MAX = 2000
CASE_TITLE_MAX = 120


@transaction.atomic
def visit_log(
    *,
    actor,
    household: Household,
    visited_on,
    met: Resident | None = None,
    needs: str = "",
    follow_up: str = "",
    need_becomes: str = NeedOutcome.NOTHING,
    category: Category | None = None,
    service_kind: str = "",
    topic: str = "",
) -> Visit:
    """A visit by the grid worker of the household's grid, on a day that has happened, meeting one
    of its residents (or no one named). The need may become, in the same step (`need_becomes`):
    a case of `category` (source: welfare visit) at the household's building; a home-service
    request of `service_kind` to the community's care station for the resident met; or `topic`, a
    topic waiting for the community's next consultation meeting. Nothing is saved when any part is
    refused. A visit made while the worker is on patrol is linked to that patrol."""
    require(
        can_log_visit(actor, household),
        _("Only the grid worker of this household's grid can log a visit to it."),
        "not_allowed",
        field="household",
    )
    visited_on = clean_past_date(visited_on, label=_("Visit date"), field="visited_on")
    require(
        met is None or (met.household_id == household.pk and met.is_active),
        _("Choose someone registered in this household."),
        field="met",
    )
    needs = clean_text(needs, label=_("Needs"), field="needs", max_length=NOTE_MAX)
    follow_up = clean_text(follow_up, label=_("Follow-up"), field="follow_up", max_length=NOTE_MAX)
    require(need_becomes in NeedOutcome.values, _("Choose what the need becomes."), field="need_becomes")
    require(
        need_becomes == NeedOutcome.NOTHING or bool(needs),
        _("Write the need down first."),
        field="needs",
    )
    case = _need_as_case(actor, household, needs, category) if need_becomes == NeedOutcome.CASE else None
    care_request = (
        _need_as_care_request(actor, household, met, needs, service_kind)
        if need_becomes == NeedOutcome.CARE
        else None
    )
    agenda_item = _need_as_topic(actor, household, topic) if need_becomes == NeedOutcome.AGENDA else None
    visit = Visit.objects.create(
        household=household,
        place_code=household.place_code,
        worker=actor,
        visited_on=visited_on,
        met=met,
        needs=needs,
        follow_up=follow_up,
        case=case,
        care_request=care_request,
        agenda_item=agenda_item,
        patrol=open_patrol_of(actor),
    )
    # The trail names the visit, never what was said in it.
    audit_record(
        actor=actor,
        action=model_action(visit, "log"),
        target=visit,
        changes={
            "case": case.reference if case else "",
            "care_request": care_request.pk if care_request else None,
            "agenda_item": agenda_item.pk if agenda_item else None,
        },
    )
    return visit


def _need_as_case(actor, household: Household, needs: str, category: Category | None):
    require(category is not None, _("Choose the case category for the need."), field="category")
    title = (_("Need found on a household visit: %(need)s") % {"need": needs.splitlines()[0]})[
        :CASE_TITLE_MAX
    ]
    try:
        return case_report(
            actor=actor,
            category=category,
            title=title,
            description=needs,
            source=Source.VISIT,
            # The building, never the room: a case travels to units and other systems.
            place=household.unit.parent,
            within=worker_grid_codes(actor),
        )
    except CaseActionError as exc:
        raise FieldworkError(" ".join(exc.messages), code=exc.code, field=exc.field or "category") from exc


# The care station's refusals name the resident; the worker's page shows names masked, so these
# two are said again without the name.
_CARE_REFUSALS = {
    "wrong_age": lambda: (
        _("The care station serves residents aged %(min)d and over; choose whom you met.")
        % {"min": ELDERLY_AGE}
    ),
    "outside": lambda: _("That resident is not registered in this community."),
}


def _need_as_care_request(actor, household: Household, met: Resident | None, needs: str, kind: str):
    require(met is not None, _("Choose whom you met: the service is for them."), field="met")
    community_code = household.unit.ancestor_code(PlaceKind.COMMUNITY)
    station = CareStation.objects.filter(community_code=community_code).order_by("id").first()
    require(station is not None, _("No elderly care station serves this community."), field="need_becomes")
    try:
        return home_service_request(actor=actor, station=station, resident=met, kind=kind, description=needs)
    except CareError as exc:
        message = _CARE_REFUSALS.get(exc.code)
        raise FieldworkError(
            message() if message else " ".join(exc.messages), code=exc.code, field="service_kind"
        ) from exc


def _need_as_topic(actor, household: Household, topic: str):
    require(bool((topic or "").strip()), _("Write the topic as the meeting will read it."), field="topic")
    # The topic is read out to invitees from outside the community and minuted: it must not name
    # the household (its people or its door), and a number typed into it is masked.
    door = household.unit.name.removesuffix("室")  # 101室 is also written 101
    named = [r.name for r in household.residents.all() if r.name] + [household.unit.name, door]
    require(
        not any(len(word) > 1 and word in topic for word in named),
        _("Write the topic without the household's names or door number."),
        field="topic",
    )
    topic = mask_typed_personal_numbers(topic)
    building = household.unit.parent
    with in_site_language():
        summary = _("Met on a household visit at %(place)s.") % {"place": building.label}
    try:
        # The building, never the room: the topic may be read out and minuted in public.
        return agenda_item_propose(actor=actor, place=building, title=topic, summary=summary)
    except MeetingError as exc:
        raise FieldworkError(" ".join(exc.messages), code=exc.code, field="topic") from exc


@transaction.atomic
def cadence_set(*, actor, community: Place, tag: str, every_days: int | None) -> VisitCadence | None:
    """Households with `tag` in `community` are to be visited every `every_days` days; None (or 0)
    removes the cadence. Audited: it changes what the grid workers are asked to do."""
    require(
        can_set_cadence_for(actor, community),
        _("Only the community's staff can set its visit cadence."),
        "not_allowed",
        field="community",
    )
    require(tag in Tag.values, _("Choose a household tag."), field="tag")
    existing = VisitCadence.objects.select_for_update().filter(community=community, tag=tag).first()
    if not every_days:
        if existing is not None:
            audit_record(actor=actor, action=model_action(existing, "remove"), target=existing)
            existing.delete()
        return None
    require(
        isinstance(every_days, int) and 1 <= every_days <= CADENCE_DAYS_MAX,
        _("Visit every 1 to %(max)d days.") % {"max": CADENCE_DAYS_MAX},
        field="every_days",
    )
    cadence = existing or VisitCadence(community=community, place_code=community.code, tag=tag)
    cadence.every_days, cadence.updated_by, cadence.updated_at = every_days, actor, timezone.now()
    cadence.save()
    audit_record(
        actor=actor, action=model_action(cadence, "set"), target=cadence, changes={"every_days": every_days}
    )
    return cadence
