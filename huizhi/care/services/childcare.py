"""The 0–3 childcare centre: enrolment within the national size and ratio limits, carers, the daily
register, and pick-up by an authorised adult only."""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from huizhi.accounts.roles import Role
from huizhi.care.kinds import AgeBand, AlertKind, months_old
from huizhi.care.models import (
    AuthorisedAdult,
    CareAlert,
    CarerDayOff,
    ChildcareAttendance,
    ChildcareCarer,
    ChildcareClass,
    ChildcareEnrolment,
)
from huizhi.care.permissions import can_clear_alert, can_run_childcare
from huizhi.care.selectors import present_on
from huizhi.care.services.common import (
    CareError,
    clean_text,
    holders,
    notify,
    require,
    require_in_community,
)
from huizhi.core.mobile import normalize_mainland_mobile

MAX_ADULTS = 6


def _locked_class(klass_id: int) -> ChildcareClass:
    return ChildcareClass.objects.select_for_update().select_related("centre").get(pk=klass_id)


def _require_runner(actor, klass: ChildcareClass) -> None:
    require(can_run_childcare(actor, klass.centre), _("Only the centre's staff can do this."), "not_allowed")


def _clean_mobile(mobile: str) -> str:
    if not (mobile or "").strip():
        return ""
    try:
        return normalize_mainland_mobile(mobile)
    except ValidationError as exc:
        raise CareError(" ".join(exc.messages), code="bad_input") from exc


def _clean_adults(adults) -> list[tuple[str, str, str]]:
    """(name, relationship[, mobile]) each; a mobile given must be a mainland mobile number."""
    cleaned = []
    for name, relationship, *mobile in adults or ():
        if not (name or "").strip():
            continue
        cleaned.append(
            (
                clean_text(name, label=_("Authorised adult"), max_length=40),
                clean_text(relationship, label=_("Relationship"), max_length=20),
                _clean_mobile(mobile[0] if mobile else ""),
            )
        )
    require(bool(cleaned), _("Name at least one adult who may collect the child."), "bad_input")
    require(
        len(cleaned) <= MAX_ADULTS, _("At most %(n)d adults can be named.") % {"n": MAX_ADULTS}, "bad_input"
    )
    return cleaned


def childcare_enrol(
    *, actor, klass_id: int, child, starts_on: date, adults: list[tuple]
) -> ChildcareEnrolment:
    """A child of the community, of the class's age band on the start day (today or later), in a
    class that has a place both under its size limit and under its carers' ratio; with the adults
    who may collect, (name, relationship, mobile) each (the mobile is stored encrypted).

    The class row is locked while places are counted.
    """
    cleaned = _clean_adults(adults)
    today = timezone.localdate()
    with transaction.atomic():
        klass = _locked_class(klass_id)
        _require_runner(actor, klass)
        require_in_community(child, klass.centre.community_code)
        # The age is taken on the first day the child can be checked in, so a back-dated start
        # cannot get round the band; the age is the more useful reason, so it is given first.
        _require_band(klass, child, max(starts_on, today))
        require(
            starts_on >= today,
            _("An enrolment starts today or later, not on %(day)s.") % {"day": starts_on.isoformat()},
            "bad_input",
        )
        rule = klass.rule
        require(
            not ChildcareEnrolment.objects.current().filter(child=child).exists(),
            _("%(name)s is already enrolled in a class.") % {"name": child.name},
            "duplicate",
        )
        enrolled = klass.enrolments.current().count()
        require(
            enrolled < rule.max_children,
            _("%(class)s is full: %(n)d children, the limit for its age band.")
            % {"class": klass.name, "n": rule.max_children},
            "full",
        )
        carers = klass.carers.count()
        require(
            enrolled + 1 <= carers * rule.children_per_carer,
            _(
                "%(class)s has %(carers)d carers for %(n)d children; at 1:%(ratio)d another child needs another carer."
            )
            % {"class": klass.name, "carers": carers, "n": enrolled, "ratio": rule.children_per_carer},
            "ratio",
        )
        enrolment = ChildcareEnrolment.objects.create(
            klass=klass, child=child, place_code=child.place_code, starts_on=starts_on, enrolled_by=actor
        )
        AuthorisedAdult.objects.bulk_create(
            [AuthorisedAdult(enrolment=enrolment, name=n, relationship=r, mobile=m) for n, r, m in cleaned]
        )
    return enrolment


def _require_band(klass: ChildcareClass, child, on: date) -> None:
    """The child is of the class's age band on the day."""
    rule = klass.rule
    months = months_old(child.birth_date, on)
    require(
        rule.min_months <= months < rule.max_months,
        _(
            "%(name)s is %(months)d months old on %(day)s; %(class)s takes children of %(min)d to %(max)d months."
        )
        % {
            "name": child.name,
            "months": months,
            "day": on.isoformat(),
            "class": AgeBand(klass.band).label,
            "min": rule.min_months,
            "max": rule.max_months,
        },
        "wrong_age",
    )


def carer_roster(*, actor, klass_id: int, name: str) -> ChildcareCarer:
    name = clean_text(name, label=_("Carer"), max_length=40)
    with transaction.atomic():
        klass = _locked_class(klass_id)
        _require_runner(actor, klass)
        require(
            not klass.carers.filter(name=name).exists(),
            _("%(name)s is already rostered on this class.") % {"name": name},
            "duplicate",
        )
        return ChildcareCarer.objects.create(klass=klass, name=name)


def carer_unroster(*, actor, carer_id: int) -> None:
    """A carer taken off a class, unless the children left would break the class's ratio — both
    the enrolled children against the class's carers and today's checked-in children against
    today's roster."""
    with transaction.atomic():
        carer = ChildcareCarer.objects.get(pk=carer_id)
        klass = _locked_class(carer.klass_id)
        _require_runner(actor, klass)
        enrolled = klass.enrolments.current().count()
        remaining = klass.carers.count() - 1
        require(
            enrolled <= remaining * klass.children_per_carer,
            _(
                "%(class)s needs %(needed)d carers for its %(n)d children at 1:%(ratio)d; %(name)s cannot be taken off."
            )
            % {
                "class": klass.name,
                "needed": -(-enrolled // klass.children_per_carer),
                "n": enrolled,
                "ratio": klass.children_per_carer,
                "name": carer.name,
            },
            "ratio",
        )
        today = timezone.localdate()
        if not carer.days_off.filter(day=today).exists():
            _require_day_ratio(klass, today, carers=_rostered(klass, today) - 1, leaving=carer.name)
        carer.delete()


def _rostered(klass: ChildcareClass, day: date) -> int:
    """Carers of the class on the day's roster: all of its carers but those taken off that day."""
    return klass.carers.exclude(days_off__day=day).count()


def _require_day_ratio(klass: ChildcareClass, day: date, *, carers: int, leaving: str) -> None:
    present = present_on(klass, day)
    require(
        present <= carers * klass.children_per_carer,
        _(
            "%(class)s has %(n)d children checked in on %(day)s; at 1:%(ratio)d they need %(needed)d carers on the roster, so %(name)s cannot be taken off it."
        )
        % {
            "class": klass.name,
            "n": present,
            "day": day.isoformat(),
            "ratio": klass.children_per_carer,
            "needed": -(-present // klass.children_per_carer),
            "name": leaving,
        },
        "ratio",
    )


def _carer_to_roster(actor, carer_id: int, day: date) -> tuple[ChildcareCarer, ChildcareClass]:
    carer = ChildcareCarer.objects.get(pk=carer_id)
    klass = _locked_class(carer.klass_id)
    _require_runner(actor, klass)
    require(
        day >= timezone.localdate(),
        _("The roster of %(day)s has passed and cannot be changed.") % {"day": day.isoformat()},
        "wrong_state",
    )
    return carer, klass


def carer_day_unroster(*, actor, carer_id: int, day: date, reason: str = "") -> CarerDayOff:
    """A carer taken off one day's roster (today or later), unless the children checked in that
    day would then break the class's ratio. The class row is locked while carers are counted."""
    reason = clean_text(reason, label=_("Reason"), max_length=200, required=False)
    with transaction.atomic():
        carer, klass = _carer_to_roster(actor, carer_id, day)
        require(
            not carer.days_off.filter(day=day).exists(),
            _("%(name)s is already off the roster of %(day)s.")
            % {"name": carer.name, "day": day.isoformat()},
            "duplicate",
        )
        _require_day_ratio(klass, day, carers=_rostered(klass, day) - 1, leaving=carer.name)
        return CarerDayOff.objects.create(carer=carer, day=day, reason=reason, taken_off_by=actor)


def carer_day_roster(*, actor, carer_id: int, day: date) -> None:
    """A carer put back on one day's roster (today or later)."""
    with transaction.atomic():
        carer, _klass = _carer_to_roster(actor, carer_id, day)
        deleted, _rows = carer.days_off.filter(day=day).delete()
        require(
            deleted > 0,
            _("%(name)s is already on the roster of %(day)s.") % {"name": carer.name, "day": day.isoformat()},
            "duplicate",
        )


def _enrolment(enrolment_id: int) -> ChildcareEnrolment:
    return ChildcareEnrolment.objects.select_related("klass__centre", "child").get(pk=enrolment_id)


def childcare_check_in(*, actor, enrolment_id: int) -> ChildcareAttendance:
    """Today's check-in of an enrolled child who has not outgrown the class's age band, once a day,
    while the children checked in stay within the ratio of the carers on today's roster. The class
    row is locked while children are counted."""
    enrolment = _enrolment(enrolment_id)
    _require_runner(actor, enrolment.klass)
    require(enrolment.ended_on is None, _("This enrolment has ended."), "wrong_state")
    now = timezone.now()
    today = timezone.localdate(now)
    require(
        enrolment.starts_on <= today,
        _("%(name)s starts on %(day)s.") % {"name": enrolment.child.name, "day": enrolment.starts_on},
        "wrong_state",
    )
    require(
        not enrolment.has_outgrown(today),
        _(
            "%(name)s has outgrown %(class)s: %(months)d months old today, and the class takes children under %(max)d months."
        )
        % {
            "name": enrolment.child.name,
            "class": enrolment.klass.name,
            "months": enrolment.months_old_on(today),
            "max": enrolment.klass.rule.max_months,
        },
        "wrong_age",
    )
    with transaction.atomic():
        klass = _locked_class(enrolment.klass_id)
        require(
            not ChildcareAttendance.objects.filter(enrolment=enrolment, day=today).exists(),
            _("%(name)s is already checked in today.") % {"name": enrolment.child.name},
            "duplicate",
        )
        present, carers = present_on(klass, today), _rostered(klass, today)
        require(
            present + 1 <= carers * klass.children_per_carer,
            _(
                "%(class)s has %(carers)d carers on today's roster and %(n)d children checked in; at 1:%(ratio)d %(name)s cannot be checked in until another carer is rostered or a child is collected."
            )
            % {
                "class": klass.name,
                "carers": carers,
                "n": present,
                "ratio": klass.children_per_carer,
                "name": enrolment.child.name,
            },
            "ratio",
        )
        return ChildcareAttendance.objects.create(
            enrolment=enrolment, day=today, checked_in_at=now, checked_in_by=actor
        )


def _matching_adult(enrolment: ChildcareEnrolment, name: str) -> AuthorisedAdult | None:
    wanted = "".join(name.split()).casefold()
    for adult in enrolment.adults.all():
        if "".join(adult.name.split()).casefold() == wanted:
            return adult
    return None


def childcare_pick_up(*, actor, enrolment_id: int, collected_by: str) -> ChildcareAttendance:
    """The child released to an adult listed on the enrolment. Anyone else is refused: the child
    stays checked in, and the centre's staff are alerted at once."""
    enrolment = _enrolment(enrolment_id)
    _require_runner(actor, enrolment.klass)
    collected_by = clean_text(collected_by, label=_("Collected by"), max_length=40)
    today = timezone.localdate()
    day = ChildcareAttendance.objects.filter(enrolment=enrolment, day=today).first()
    require(
        day is not None,
        _("%(name)s was not checked in today.") % {"name": enrolment.child.name},
        "wrong_state",
    )
    require(
        day.picked_up_at is None,
        _("%(name)s has already been picked up.") % {"name": enrolment.child.name},
        "duplicate",
    )
    adult = _matching_adult(enrolment, collected_by)
    if adult is None:
        _alert_unauthorised(actor, enrolment, collected_by)
        raise CareError(
            _(
                "%(adult)s is not authorised to collect %(name)s. Keep the child here; the centre's staff have been alerted."
            )
            % {"adult": collected_by, "name": enrolment.child.name},
            code="unauthorised",
        )
    with transaction.atomic():
        updated = ChildcareAttendance.objects.filter(pk=day.pk, picked_up_at__isnull=True).update(
            picked_up_at=timezone.now(), collected_by=adult, released_by=actor
        )
        require(
            updated == 1,
            _("%(name)s has already been picked up.") % {"name": enrolment.child.name},
            "duplicate",
        )
    day.refresh_from_db()
    return day


def _alert_unauthorised(actor, enrolment: ChildcareEnrolment, who: str) -> None:
    centre = enrolment.klass.centre
    with transaction.atomic():
        alert = CareAlert.objects.create(
            kind=AlertKind.UNAUTHORISED_PICKUP,
            place_code=enrolment.place_code,
            enrolment=enrolment,
            text=_("%(adult)s tried to collect %(name)s (%(class)s) and is not authorised.")
            % {"adult": who, "name": enrolment.child.name, "class": enrolment.klass.name},
            raised_by=actor,
        )
        recipients = holders(Role.COMMUNITY_STAFF, place_code=centre.community_code)
        if centre.operator_id:
            recipients += holders(Role.SERVICE_OPERATOR, organisation_id=centre.operator_id)
        notify(recipients, alert.text)


def care_alert_clear(*, actor, alert_id: int, note: str) -> CareAlert:
    """An unauthorised pick-up alert acknowledged by the centre's staff with a note: who and when
    are recorded, and it leaves the top of their pages. (A not-reached alert clears itself when
    someone reaches the elder.)"""
    note = clean_text(note, label=_("Note"), max_length=300)
    with transaction.atomic():
        alert = (
            CareAlert.objects.select_for_update(of=("self",))
            .select_related("enrolment__klass__centre")
            .get(pk=alert_id)
        )
        require(
            alert.kind == AlertKind.UNAUTHORISED_PICKUP,
            _("A not-reached alert clears when someone reaches the elder."),
            "wrong_state",
        )
        require(
            can_clear_alert(actor, alert), _("Only the centre's staff can clear this alert."), "not_allowed"
        )
        require(alert.cleared_at is None, _("This alert has already been cleared."), "wrong_state")
        alert.cleared_at, alert.cleared_by, alert.cleared_note = timezone.now(), actor, note
        alert.save(update_fields=["cleared_at", "cleared_by", "cleared_note"])
    return alert
