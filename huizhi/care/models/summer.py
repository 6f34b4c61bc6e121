from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from huizhi.care.kinds import SummerSessionKind


class SummerTerm(models.Model):
    """A summer care class term (爱心托管班) of a community: dates and how many children it takes."""

    name = models.CharField(_("name"), max_length=120)
    community = models.ForeignKey(
        "places.Place", verbose_name=_("community"), on_delete=models.PROTECT, related_name="+"
    )
    community_code = models.CharField(_("community code"), max_length=32, editable=False, db_index=True)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    capacity = models.PositiveSmallIntegerField(_("places"))

    class Meta:
        verbose_name = _("summer care term")
        verbose_name_plural = _("summer care terms")
        ordering = ["-starts_on"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")), name="care_term_dates"),
        ]

    def __str__(self) -> str:
        return self.name


class SummerEnrolment(models.Model):
    term = models.ForeignKey(
        SummerTerm, verbose_name=_("term"), on_delete=models.CASCADE, related_name="enrolments"
    )
    child = models.ForeignKey(
        "registry.Resident", verbose_name=_("child"), on_delete=models.PROTECT, related_name="+"
    )
    parent = models.ForeignKey(
        "registry.Resident",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    enrolled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("enrolled by"), on_delete=models.PROTECT, related_name="+"
    )
    enrolled_at = models.DateTimeField(_("enrolled at"), default=timezone.now)

    class Meta:
        verbose_name = _("summer enrolment")
        verbose_name_plural = _("summer enrolments")
        ordering = ["term", "id"]
        constraints = [models.UniqueConstraint(fields=["term", "child"], name="care_summer_child_once")]

    def __str__(self) -> str:
        return f"{self.child} · {self.term}"


class SummerSession(models.Model):
    term = models.ForeignKey(
        SummerTerm, verbose_name=_("term"), on_delete=models.CASCADE, related_name="sessions"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=SummerSessionKind.choices)
    title = models.CharField(_("title"), max_length=120)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    venue = models.CharField(_("place"), max_length=120)
    lead = models.ForeignKey(
        "care.Volunteer", verbose_name=_("volunteer lead"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("summer session")
        verbose_name_plural = _("summer sessions")
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=SummerSessionKind.values), name="care_summer_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="care_summer_ends_after"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class SummerAttendance(models.Model):
    session = models.ForeignKey(
        SummerSession, verbose_name=_("session"), on_delete=models.CASCADE, related_name="attendance"
    )
    enrolment = models.ForeignKey(
        SummerEnrolment, verbose_name=_("enrolment"), on_delete=models.CASCADE, related_name="attendance"
    )
    signed_in_at = models.DateTimeField(_("signed in at"))
    signed_out_at = models.DateTimeField(_("signed out at"), null=True, blank=True)

    class Meta:
        verbose_name = _("summer attendance")
        verbose_name_plural = _("summer attendance")
        ordering = ["session", "enrolment"]
        constraints = [
            models.UniqueConstraint(fields=["session", "enrolment"], name="care_summer_sign_once"),
        ]

    def __str__(self) -> str:
        return f"{self.enrolment.child} · {self.session}"
