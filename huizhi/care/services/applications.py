"""A parent applies for a 0–3 place for their child; the centre's staff accept it (the child is
enrolled through `childcare_enrol`, with its age, size and ratio checks) or refuse it with a reason.
Each row keeps who applied and who decided, and when; the parent is told the decision."""

from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from huizhi.care.kinds import ApplicationStatus
from huizhi.care.models import ChildcareApplication, ChildcareClass, ChildcareEnrolment
from huizhi.care.permissions import can_run_childcare, may_enrol_as_parent
from huizhi.care.services.childcare import _clean_mobile, _require_band, childcare_enrol
from huizhi.care.services.common import CareError, clean_text, notify, require, require_in_community


def childcare_apply(
    *,
    actor,
    parent,
    child,
    klass_id: int,
    starts_on: date,
    relationship: str,
    other_adult: str = "",
    other_relationship: str = "",
    other_mobile: str = "",
) -> ChildcareApplication:
    """A signed-in parent's application for their own child (an adult of an older generation in the
    child's household), in the class's age band on the start day, at a centre of their community;
    one waiting application per child, and none for a child enrolled now."""
    today = timezone.localdate()
    require(
        parent.account_id is not None and parent.account_id == actor.pk and parent.is_active,
        _("Only a parent signed in with their household can apply."),
        "not_allowed",
    )
    require(
        may_enrol_as_parent(parent, child, today),
        _("You can apply only for a child of your own household."),
        "not_allowed",
    )
    klass = ChildcareClass.objects.select_related("centre").filter(pk=klass_id).first()
    require(klass is not None, _("Choose a class."), "bad_input")
    require_in_community(child, klass.centre.community_code)
    require(
        starts_on >= today,
        _("A place starts today or later, not on %(day)s.") % {"day": starts_on.isoformat()},
        "bad_input",
    )
    _require_band(klass, child, starts_on)
    require(
        not ChildcareEnrolment.objects.current().filter(child=child).exists(),
        _("%(name)s is already enrolled in a class.") % {"name": child.name},
        "duplicate",
    )
    relationship = clean_text(relationship, label=_("Relationship"), max_length=20)
    other_adult = clean_text(other_adult, label=_("Second adult"), max_length=40, required=False)
    if other_adult:
        other_relationship = clean_text(other_relationship, label=_("Relationship"), max_length=20)
        other_mobile = _clean_mobile(other_mobile)
        require(bool(other_mobile), _("Give a mobile number to reach this adult."), "bad_input")
    else:
        other_relationship = other_mobile = ""
    try:
        with transaction.atomic():
            return ChildcareApplication.objects.create(
                klass=klass,
                child=child,
                parent=parent,
                place_code=child.place_code,
                starts_on=starts_on,
                relationship=relationship,
                other_adult=other_adult,
                other_relationship=other_relationship,
                other_mobile=other_mobile,
                applied_by=actor,
            )
    except IntegrityError as exc:
        raise CareError(
            _("An application for %(name)s is already waiting.") % {"name": child.name}, code="duplicate"
        ) from exc


def _locked_pending(actor, application_id: int) -> ChildcareApplication:
    application = (
        ChildcareApplication.objects.select_for_update(of=("self",))
        .select_related("klass__centre", "child", "parent")
        .filter(pk=application_id)
        .first()
    )
    require(application is not None, _("No such application."), "not_found")
    require(
        can_run_childcare(actor, application.klass.centre),
        _("Only the centre's staff can do this."),
        "not_allowed",
    )
    require(
        application.status == ApplicationStatus.PENDING,
        _("This application has already been decided."),
        "wrong_state",
    )
    return application


def _tell_parent(application: ChildcareApplication, text: str) -> None:
    if application.parent.account_id:
        notify([application.parent.account_id], text)


def childcare_application_accept(*, actor, application_id: int) -> ChildcareApplication:
    """The child enrolled in the class (from the wanted day, or today if that has passed) with the
    parent and the second adult as those who may collect; refused, with nothing saved, when the
    enrolment is (wrong age by then, class full, ratio)."""
    with transaction.atomic():
        application = _locked_pending(actor, application_id)
        adults = [(application.parent.name, application.relationship, application.parent.mobile)]
        if application.other_adult:
            adults.append((application.other_adult, application.other_relationship, application.other_mobile))
        enrolment = childcare_enrol(
            actor=actor,
            klass_id=application.klass_id,
            child=application.child,
            starts_on=max(application.starts_on, timezone.localdate()),
            adults=adults,
        )
        application.status = ApplicationStatus.ACCEPTED
        application.decided_by, application.decided_at = actor, timezone.now()
        application.enrolment = enrolment
        application.save(update_fields=["status", "decided_by", "decided_at", "enrolment"])
        _tell_parent(
            application,
            _("%(name)s has a place in %(class)s from %(day)s.")
            % {"name": application.child.name, "class": application.klass.name, "day": enrolment.starts_on},
        )
    return application


def childcare_application_refuse(*, actor, application_id: int, reason: str) -> ChildcareApplication:
    """Refused with the reason the parent reads."""
    reason = clean_text(reason, label=_("Reason"), max_length=300)
    with transaction.atomic():
        application = _locked_pending(actor, application_id)
        application.status = ApplicationStatus.REFUSED
        application.decided_by, application.decided_at = actor, timezone.now()
        application.refusal_reason = reason
        application.save(update_fields=["status", "decided_by", "decided_at", "refusal_reason"])
        _tell_parent(
            application,
            _("The application for %(name)s (%(class)s) was refused: %(reason)s")
            % {"name": application.child.name, "class": application.klass.name, "reason": reason},
        )
    return application
