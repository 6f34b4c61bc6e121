"""The elderly care station: sessions, enrolment, attendance, and home-service requests as cases."""

from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from huizhi.accounts.roles import Role
from huizhi.accounts.scopes import scopes_of
from huizhi.care.kinds import ELDERLY_AGE, ServiceKind
from huizhi.care.models import CareService, CareSession, CareStation, HomeServiceRequest, SessionEnrolment
from huizhi.care.permissions import can_request_home_service_for, can_run_station
from huizhi.care.services.common import CareError, clean_text, require, require_in_community
from huizhi.core.text import in_site_language, mask_person_name, mask_typed_personal_numbers
from huizhi.registry.tags import age

# The case subclass a home-service request is filed under (社区事务 › 居家养老服务); its routing rule
# names the station's operator.
HOME_SERVICE_CATEGORY = "1101"
CHECK_IN_EARLY = timedelta(hours=1)


def care_session_create(
    *,
    actor,
    service: CareService,
    starts_at: datetime,
    ends_at: datetime,
    venue: str,
    capacity: int,
    lead: str,
) -> CareSession:
    """A session of one of the station's services, in the future, with room for at least one."""
    station = service.station
    require(
        can_run_station(actor, station),
        _("Only the station's operator can plan its sessions."),
        "not_allowed",
    )
    require(service.is_active, _("That service is no longer offered."), "bad_input")
    require(starts_at > timezone.now(), _("A session must start in the future."), "bad_input")
    require(ends_at > starts_at, _("A session must end after it starts."), "bad_input")
    require(
        capacity is not None and 1 <= capacity <= 200, _("Capacity must be between 1 and 200."), "bad_input"
    )
    venue = clean_text(venue, label=_("Place"), max_length=120)
    lead = clean_text(lead, label=_("Lead"), max_length=60)
    return CareSession.objects.create(
        station=station,
        service=service,
        starts_at=starts_at,
        ends_at=ends_at,
        venue=venue,
        capacity=capacity,
        lead=lead,
    )


def _require_elderly(resident, on) -> None:
    years = age(resident.birth_date, on)
    require(
        years >= ELDERLY_AGE,
        _("%(name)s is %(age)d; the station serves residents aged %(min)d and over.")
        % {"name": resident.name, "age": years, "min": ELDERLY_AGE},
        "wrong_age",
    )


def session_enrol(*, actor, session_id: int, resident) -> SessionEnrolment:
    """An elderly resident of the station's catchment enrolled in a session that has room.

    The session row is locked while its places are counted, so two enrolments for the last place
    cannot both succeed.
    """
    with transaction.atomic():
        session = CareSession.objects.select_for_update().select_related("station").get(pk=session_id)
        station = session.station
        is_self = resident.account_id is not None and resident.account_id == getattr(actor, "pk", None)
        require(
            is_self or can_run_station(actor, station),
            _("Only the station's operator, or the resident themself, can enrol in a session."),
            "not_allowed",
        )
        require(session.starts_at > timezone.now(), _("This session has already started."), "wrong_state")
        require_in_community(resident, station.community_code)
        _require_elderly(resident, timezone.localdate(session.starts_at))
        require(
            not session.enrolments.filter(resident=resident).exists(),
            _("%(name)s is already enrolled in this session.") % {"name": resident.name},
            "duplicate",
        )
        require(
            session.enrolled_count < session.capacity,
            _("This session is full: %(capacity)d of %(capacity)d places are taken.")
            % {"capacity": session.capacity},
            "full",
        )
        try:
            with transaction.atomic():
                enrolment = SessionEnrolment.objects.create(
                    session=session, resident=resident, enrolled_by=actor
                )
        except IntegrityError as exc:
            raise CareError(
                _("%(name)s is already enrolled.") % {"name": resident.name}, code="duplicate"
            ) from exc
        CareSession.objects.filter(pk=session.pk).update(enrolled_count=F("enrolled_count") + 1)
    return enrolment


def session_check_in(*, actor, enrolment_id: int) -> SessionEnrolment:
    """Attendance: an enrolled resident checked in from an hour before the start until the end
    (across midnight if the session starts just after it)."""
    with transaction.atomic():
        enrolment = (
            SessionEnrolment.objects.select_for_update(of=("self",))
            .select_related("session__station", "resident")
            .get(pk=enrolment_id)
        )
        session = enrolment.session
        require(
            can_run_station(actor, session.station),
            _("Only the station's operator checks people in."),
            "not_allowed",
        )
        now = timezone.now()
        require(enrolment.attended_at is None, _("Already checked in."), "duplicate")
        require(
            session.starts_at - CHECK_IN_EARLY <= now <= session.ends_at,
            _("Check-in opens an hour before the session starts and closes when it ends."),
            "wrong_state",
        )
        enrolment.attended_at = now
        enrolment.save(update_fields=["attended_at"])
    return enrolment


def home_service_request(
    *, actor, station: CareStation, resident, kind: str, description: str
) -> HomeServiceRequest:
    """A home service (上门服务) for an elderly resident becomes a case (source: care request).

    When community staff file it, it is accepted and dispatched to the station's operator at once
    and shows in the operator's task list; filed by anyone else, it waits in the community's queue
    for staff to accept, with the operator as the routed unit.
    """
    from huizhi.cases.services import CaseActionError

    _require_may_request(actor, station, resident)
    require(kind in ServiceKind.values, _("Choose the kind of service."), "bad_input")
    description = clean_text(description, label=_("Description"), max_length=2000)
    require_in_community(resident, station.community_code)
    _require_elderly(resident, timezone.localdate())
    category = _home_service_category()
    try:
        with transaction.atomic():
            case = _file_home_service_case(actor, station, resident, kind, description, category)
            return HomeServiceRequest.objects.create(
                station=station,
                resident=resident,
                kind=kind,
                description=description,
                case=case,
                requested_by=actor,
            )
    except CaseActionError as exc:
        raise CareError(" ".join(exc.messages), code="bad_input") from exc


def _require_may_request(actor, station: CareStation, resident) -> None:
    """The resident for themself, or someone who may request from this station."""
    is_self = resident.account_id is not None and resident.account_id == getattr(actor, "pk", None)
    require(
        is_self or can_request_home_service_for(actor, station, resident),
        _("You cannot request home services from this station."),
        "not_allowed",
    )


def _home_service_category():
    from huizhi.cases.models import Category

    category = Category.objects.filter(code=HOME_SERVICE_CATEGORY, is_active=True).first()
    require(category is not None, _("The home-service case category is not configured."), "bad_input")
    return category


def _file_home_service_case(actor, station: CareStation, resident, kind: str, description: str, category):
    """The case at the resident's building: dispatched to the operator when staff file it, else
    left reported with the operator named as its unit."""
    from huizhi.cases.services import case_report, case_route, case_transition
    from huizhi.cases.states import Source

    # A case's title travels (lists, the map, the unit's task list): the elder by surname only; the
    # request itself names them for the station that serves them. Kept in the site's language.
    with in_site_language():
        title = _("Home service for %(name)s: %(kind)s") % {
            "name": mask_person_name(resident.name),
            "kind": ServiceKind(kind).label,
        }
    case = case_report(
        actor=actor,
        category=category,
        title=title[:120],
        description=mask_typed_personal_numbers(description),
        source=Source.CARE,
        place=resident.household.unit.parent,
    )
    if scopes_of(actor).covers(station.community_code, Role.COMMUNITY_STAFF, roles_only=True):
        case_transition(actor=actor, case_id=case.pk, action="accept")
        return case_transition(actor=actor, case_id=case.pk, action="dispatch", unit=station.operator)
    # The category's routing rule names one organisation for the whole street; this
    # request belongs to this station's operator. The case stays reported (staff still
    # accept and dispatch it); only the unit it goes to is named, on its timeline too.
    return case_route(
        actor=actor,
        case_id=case.pk,
        unit=station.operator,
        reason=_("A home service of %(station)s.") % {"station": station.name},
    )
