from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from huizhi.care.kinds import BANDS, AgeBand, ApplicationStatus, months_old
from huizhi.core.fields import EncryptedTextField
from huizhi.core.mobile import mask_mobile


class ChildcareCentre(models.Model):
    """A 0–3 childcare centre (托育中心) of a community, run by the community or an operator."""

    name = models.CharField(_("name"), max_length=120)
    community = models.ForeignKey(
        "places.Place", verbose_name=_("community"), on_delete=models.PROTECT, related_name="+"
    )
    community_code = models.CharField(_("community code"), max_length=32, editable=False, db_index=True)
    operator = models.ForeignKey(
        "places.Organisation",
        verbose_name=_("operator"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="childcare_centres",
    )

    class Meta:
        verbose_name = _("childcare centre")
        verbose_name_plural = _("childcare centres")
        ordering = ["community_code", "name"]

    def __str__(self) -> str:
        return self.name


class ChildcareClass(models.Model):
    centre = models.ForeignKey(
        ChildcareCentre, verbose_name=_("centre"), on_delete=models.CASCADE, related_name="classes"
    )
    band = models.CharField(_("age band"), max_length=8, choices=AgeBand.choices)
    name = models.CharField(_("name"), max_length=60)

    class Meta:
        verbose_name = _("childcare class")
        verbose_name_plural = _("childcare classes")
        ordering = ["centre", "band", "name"]
        constraints = [
            models.CheckConstraint(condition=Q(band__in=AgeBand.values), name="care_class_band_valid"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def rule(self):
        return BANDS[self.band]

    @property
    def max_children(self) -> int:
        return self.rule.max_children

    @property
    def children_per_carer(self) -> int:
        return self.rule.children_per_carer


class ChildcareCarer(models.Model):
    """A carer rostered on a class; the class's carers bound how many children it may take."""

    klass = models.ForeignKey(
        ChildcareClass, verbose_name=_("class"), on_delete=models.CASCADE, related_name="carers"
    )
    name = models.CharField(_("name"), max_length=40)
    rostered_at = models.DateTimeField(_("rostered at"), default=timezone.now)

    class Meta:
        verbose_name = _("carer")
        verbose_name_plural = _("carers")
        ordering = ["klass", "id"]

    def __str__(self) -> str:
        return self.name


class CarerDayOff(models.Model):
    """A class's carer taken off one day's roster. A carer of the class is on every day's roster
    unless a row here takes them off it; the day's checked-in children must stay within the ratio
    of the carers left on it."""

    carer = models.ForeignKey(
        ChildcareCarer, verbose_name=_("carer"), on_delete=models.CASCADE, related_name="days_off"
    )
    day = models.DateField(_("day"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    taken_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("taken off by"), on_delete=models.PROTECT, related_name="+"
    )
    taken_off_at = models.DateTimeField(_("taken off at"), default=timezone.now)

    class Meta:
        verbose_name = _("carer off the day's roster")
        verbose_name_plural = _("carers off the day's roster")
        ordering = ["day", "carer"]
        constraints = [models.UniqueConstraint(fields=["carer", "day"], name="care_carer_off_once_a_day")]

    def __str__(self) -> str:
        return f"{self.carer} {self.day}"


class ChildcareEnrolmentQuerySet(models.QuerySet):
    def current(self) -> "ChildcareEnrolmentQuerySet":
        return self.filter(ended_on__isnull=True)


class ChildcareEnrolment(models.Model):
    klass = models.ForeignKey(
        ChildcareClass, verbose_name=_("class"), on_delete=models.PROTECT, related_name="enrolments"
    )
    child = models.ForeignKey(
        "registry.Resident", verbose_name=_("child"), on_delete=models.PROTECT, related_name="+"
    )
    place_code = models.CharField(_("place code"), max_length=32, editable=False)
    starts_on = models.DateField(_("starts on"))
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    enrolled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("enrolled by"), on_delete=models.PROTECT, related_name="+"
    )

    objects = ChildcareEnrolmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("childcare enrolment")
        verbose_name_plural = _("childcare enrolments")
        ordering = ["klass", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["child"], condition=Q(ended_on__isnull=True), name="care_child_in_one_class"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.child} · {self.klass}"

    def months_old_on(self, day: date) -> int:
        return months_old(self.child.birth_date, day)

    def has_outgrown(self, day: date) -> bool:
        """Whether the child is past the top of the class's age band on the day: the enrolment
        stays as it is, but the child is not checked in to a class they have outgrown."""
        return self.months_old_on(day) >= self.klass.rule.max_months


class AuthorisedAdult(models.Model):
    """An adult the parents allow to collect the child; nobody else may."""

    enrolment = models.ForeignKey(
        ChildcareEnrolment, verbose_name=_("enrolment"), on_delete=models.CASCADE, related_name="adults"
    )
    name = models.CharField(_("name"), max_length=40)
    relationship = models.CharField(_("relationship"), max_length=20)
    # Personal data: encrypted at rest, shown masked. No lookup hash: nothing searches by it.
    mobile = EncryptedTextField(_("mobile"), blank=True, default="")

    class Meta:
        verbose_name = _("authorised adult")
        verbose_name_plural = _("authorised adults")
        ordering = ["enrolment", "id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.relationship})"

    @property
    def masked_mobile(self) -> str:
        return mask_mobile(self.mobile) if self.mobile else ""


class ChildcareAttendance(models.Model):
    """A child's day: checked in, and picked up by whom."""

    enrolment = models.ForeignKey(
        ChildcareEnrolment, verbose_name=_("enrolment"), on_delete=models.CASCADE, related_name="days"
    )
    day = models.DateField(_("day"))
    checked_in_at = models.DateTimeField(_("checked in at"))
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("checked in by"), on_delete=models.PROTECT, related_name="+"
    )
    picked_up_at = models.DateTimeField(_("picked up at"), null=True, blank=True)
    collected_by = models.ForeignKey(
        AuthorisedAdult,
        verbose_name=_("collected by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("released by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("childcare attendance")
        verbose_name_plural = _("childcare attendance")
        ordering = ["-day", "enrolment"]
        constraints = [
            models.UniqueConstraint(fields=["enrolment", "day"], name="care_child_one_day"),
        ]

    def __str__(self) -> str:
        return f"{self.enrolment} {self.day}"


class ChildcareApplicationQuerySet(models.QuerySet):
    def pending(self) -> "ChildcareApplicationQuerySet":
        return self.filter(status=ApplicationStatus.PENDING)


class ChildcareApplication(models.Model):
    """A parent's request for a place for their child in a class; the centre's staff accept it (the
    child is enrolled through the enrolment service and its checks) or refuse it with a reason."""

    klass = models.ForeignKey(
        ChildcareClass, verbose_name=_("class"), on_delete=models.PROTECT, related_name="applications"
    )
    child = models.ForeignKey(
        "registry.Resident", verbose_name=_("child"), on_delete=models.PROTECT, related_name="+"
    )
    parent = models.ForeignKey(
        "registry.Resident", verbose_name=_("parent"), on_delete=models.PROTECT, related_name="+"
    )
    # The child's unit, for scope.
    place_code = models.CharField(_("place code"), max_length=32, editable=False, db_index=True)
    starts_on = models.DateField(_("wanted from"))
    relationship = models.CharField(_("parent's relationship to the child"), max_length=20)
    other_adult = models.CharField(_("second adult who may collect"), max_length=40, blank=True)
    other_relationship = models.CharField(_("their relationship"), max_length=20, blank=True)
    other_mobile = EncryptedTextField(_("their mobile"), blank=True, default="")
    status = models.CharField(
        _("status"), max_length=12, choices=ApplicationStatus.choices, default=ApplicationStatus.PENDING
    )
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("applied by"), on_delete=models.PROTECT, related_name="+"
    )
    applied_at = models.DateTimeField(_("applied at"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    refusal_reason = models.CharField(_("reason for refusing"), max_length=300, blank=True)
    enrolment = models.OneToOneField(
        ChildcareEnrolment,
        verbose_name=_("enrolment"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="application",
    )

    objects = ChildcareApplicationQuerySet.as_manager()

    class Meta:
        verbose_name = _("childcare application")
        verbose_name_plural = _("childcare applications")
        ordering = ["-applied_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ApplicationStatus.values), name="care_application_status_valid"
            ),
            models.UniqueConstraint(
                fields=["child"],
                condition=Q(status=ApplicationStatus.PENDING),
                name="care_application_one_pending_per_child",
            ),
            models.CheckConstraint(
                condition=~Q(status=ApplicationStatus.REFUSED) | ~Q(refusal_reason=""),
                name="care_application_refused_with_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.child} → {self.klass}"

    @property
    def masked_other_mobile(self) -> str:
        return mask_mobile(self.other_mobile) if self.other_mobile else ""
