"""The summer care class (爱心托管班): enrolment of school-age children, sessions led by volunteers,
sign-in and sign-out."""

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from huizhi.care.kinds import SummerSessionKind
from huizhi.care.models import SummerAttendance, SummerEnrolment, SummerSession, SummerTerm, Volunteer
from huizhi.care.permissions import can_run_summer, may_enrol_as_parent
from huizhi.care.services.common import CareError, clean_text, require, require_in_community
from huizhi.places.codes import is_within
from huizhi.registry.tags import AGE_RANGES, Tag, age

SCHOOL_AGE = AGE_RANGES[Tag.SCHOOL_AGE]  # the registry's school-age tag: 6 to 17


def summer_enrol(*, actor, term_id: int, child, parent=None) -> SummerEnrolment:
    """A school-age child of the community enrolled in a term with a place left, by the
    community's staff or by a parent (an adult of the child's household, signed in)."""
    with transaction.atomic():
        term = SummerTerm.objects.select_for_update().get(pk=term_id)
        is_parent = (
            parent is not None
            and parent.account_id is not None
            and parent.account_id == getattr(actor, "pk", None)
            and may_enrol_as_parent(parent, child, timezone.localdate())
        )
        require(
            is_parent or can_run_summer(actor, term),
            _(
                "Only an adult of the child's household (a parent or grandparent) or the community's staff can enrol a child."
            ),
            "not_allowed",
        )
        require(term.ends_on >= timezone.localdate(), _("This term is over."), "wrong_state")
        require_in_community(child, term.community_code)
        years = age(child.birth_date, term.starts_on)
        require(
            SCHOOL_AGE[0] <= years < SCHOOL_AGE[1],
            _(
                "%(name)s is %(age)d when the term starts; the class takes school-age children (%(min)d–%(max)d)."
            )
            % {"name": child.name, "age": years, "min": SCHOOL_AGE[0], "max": SCHOOL_AGE[1] - 1},
            "wrong_age",
        )
        require(
            not term.enrolments.filter(child=child).exists(),
            _("%(name)s is already enrolled in this term.") % {"name": child.name},
            "duplicate",
        )
        taken = term.enrolments.count()
        require(
            taken < term.capacity,
            _("This term is full: %(n)d of %(n)d places are taken.") % {"n": term.capacity},
            "full",
        )
        try:
            with transaction.atomic():
                return SummerEnrolment.objects.create(
                    term=term, child=child, parent=parent if is_parent else None, enrolled_by=actor
                )
        except IntegrityError as exc:
            raise CareError(
                _("%(name)s is already enrolled.") % {"name": child.name}, code="duplicate"
            ) from exc


def summer_session_create(
    *,
    actor,
    term: SummerTerm,
    kind: str,
    title: str,
    starts_at: datetime,
    ends_at: datetime,
    venue: str,
    lead: Volunteer,
) -> SummerSession:
    """A session within the term's dates, led by an active volunteer of the community."""
    require(can_run_summer(actor, term), _("Only the community's staff can plan the class."), "not_allowed")
    require(kind in SummerSessionKind.values, _("Choose the kind of session."), "bad_input")
    title = clean_text(title, label=_("Title"), max_length=120)
    venue = clean_text(venue, label=_("Place"), max_length=120)
    require(ends_at > starts_at, _("A session must end after it starts."), "bad_input")
    day = timezone.localdate(starts_at)
    require(
        term.starts_on <= day <= term.ends_on,
        _("The session must fall within the term (%(start)s to %(end)s).")
        % {"start": term.starts_on.isoformat(), "end": term.ends_on.isoformat()},
        "bad_input",
    )
    require(
        lead is not None and lead.is_active and is_within(lead.place_code, term.community_code),
        _("The lead must be an active volunteer of the community."),
        "bad_input",
    )
    return SummerSession.objects.create(
        term=term, kind=kind, title=title, starts_at=starts_at, ends_at=ends_at, venue=venue, lead=lead
    )


def _session_and_enrolment(actor, session_id: int, enrolment_id: int):
    session = SummerSession.objects.select_related("term").get(pk=session_id)
    require(
        can_run_summer(actor, session.term), _("Only the community's staff keep the register."), "not_allowed"
    )
    enrolment = (
        SummerEnrolment.objects.select_related("child").filter(pk=enrolment_id, term=session.term).first()
    )
    require(enrolment is not None, _("That child is not enrolled in this term."), "bad_input")
    require(
        timezone.localdate(session.starts_at) == timezone.localdate(),
        _("The register of a session is kept on its day."),
        "wrong_state",
    )
    return session, enrolment


def summer_sign_in(*, actor, session_id: int, enrolment_id: int) -> SummerAttendance:
    session, enrolment = _session_and_enrolment(actor, session_id, enrolment_id)
    try:
        with transaction.atomic():
            return SummerAttendance.objects.create(
                session=session, enrolment=enrolment, signed_in_at=timezone.now()
            )
    except IntegrityError as exc:
        raise CareError(
            _("%(name)s is already signed in.") % {"name": enrolment.child.name}, code="duplicate"
        ) from exc


def summer_sign_out(*, actor, session_id: int, enrolment_id: int) -> SummerAttendance:
    session, enrolment = _session_and_enrolment(actor, session_id, enrolment_id)
    with transaction.atomic():
        row = (
            SummerAttendance.objects.select_for_update().filter(session=session, enrolment=enrolment).first()
        )
        require(
            row is not None, _("%(name)s was not signed in.") % {"name": enrolment.child.name}, "wrong_state"
        )
        require(
            row.signed_out_at is None,
            _("%(name)s is already signed out.") % {"name": enrolment.child.name},
            "duplicate",
        )
        row.signed_out_at = timezone.now()
        row.save(update_fields=["signed_out_at"])
    return row
