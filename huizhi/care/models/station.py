from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from huizhi.care.kinds import ServiceKind


class CareStation(models.Model):
    """An elderly day-care station (养老服务站) of a community, run by a third-party operator."""

    name = models.CharField(_("name"), max_length=120)
    community = models.ForeignKey(
        "places.Place", verbose_name=_("community"), on_delete=models.PROTECT, related_name="+"
    )
    # The community's code, for scope filters without a join; also the station's catchment.
    community_code = models.CharField(_("community code"), max_length=32, editable=False, db_index=True)
    operator = models.ForeignKey(
        "places.Organisation", verbose_name=_("operator"), on_delete=models.PROTECT, related_name="stations"
    )
    address = models.CharField(_("address"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("elderly care station")
        verbose_name_plural = _("elderly care stations")
        ordering = ["community_code", "name"]

    def __str__(self) -> str:
        return self.name


class CareService(models.Model):
    """One entry of a station's service catalogue, of one of the five kinds."""

    station = models.ForeignKey(
        CareStation, verbose_name=_("station"), on_delete=models.CASCADE, related_name="services"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=ServiceKind.choices)
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True, max_length=2000)
    is_active = models.BooleanField(_("offered"), default=True)

    class Meta:
        verbose_name = _("care service")
        verbose_name_plural = _("care services")
        ordering = ["station", "kind", "name"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=ServiceKind.values), name="care_service_kind_valid"),
        ]

    def __str__(self) -> str:
        return self.name


class CareSessionQuerySet(models.QuerySet):
    def between(self, start, end) -> "CareSessionQuerySet":
        return self.filter(starts_at__gte=start, starts_at__lt=end)


class CareSession(models.Model):
    """A session of a service: when, where, how many may come, and who leads it."""

    station = models.ForeignKey(
        CareStation, verbose_name=_("station"), on_delete=models.CASCADE, related_name="sessions"
    )
    service = models.ForeignKey(
        CareService, verbose_name=_("service"), on_delete=models.PROTECT, related_name="sessions"
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    venue = models.CharField(_("place"), max_length=120)
    capacity = models.PositiveSmallIntegerField(_("capacity"))
    lead = models.CharField(_("lead"), max_length=60)
    enrolled_count = models.PositiveSmallIntegerField(_("enrolled"), default=0, editable=False)

    objects = CareSessionQuerySet.as_manager()

    class Meta:
        verbose_name = _("care session")
        verbose_name_plural = _("care sessions")
        ordering = ["starts_at", "id"]
        indexes = [models.Index(fields=["station", "starts_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="care_session_ends_after"
            ),
            models.CheckConstraint(condition=Q(capacity__gt=0), name="care_session_capacity_positive"),
            models.CheckConstraint(
                condition=Q(enrolled_count__lte=models.F("capacity")), name="care_session_not_over_capacity"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.service.name} {timezone.localtime(self.starts_at):%m-%d %H:%M}"

    @property
    def places_left(self) -> int:
        return max(self.capacity - self.enrolled_count, 0)


class SessionEnrolment(models.Model):
    session = models.ForeignKey(
        CareSession, verbose_name=_("session"), on_delete=models.CASCADE, related_name="enrolments"
    )
    resident = models.ForeignKey(
        "registry.Resident", verbose_name=_("resident"), on_delete=models.PROTECT, related_name="+"
    )
    enrolled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("enrolled by"), on_delete=models.PROTECT, related_name="+"
    )
    enrolled_at = models.DateTimeField(_("enrolled at"), default=timezone.now)
    attended_at = models.DateTimeField(_("checked in at"), null=True, blank=True)

    class Meta:
        verbose_name = _("session enrolment")
        verbose_name_plural = _("session enrolments")
        ordering = ["session", "id"]
        constraints = [
            models.UniqueConstraint(fields=["session", "resident"], name="care_session_enrolment_once"),
        ]

    def __str__(self) -> str:
        return f"{self.resident} · {self.session}"


class HomeServiceRequest(models.Model):
    """A request for a service at home (上门服务) for an elderly resident; it becomes a case."""

    station = models.ForeignKey(
        CareStation, verbose_name=_("station"), on_delete=models.PROTECT, related_name="home_requests"
    )
    resident = models.ForeignKey(
        "registry.Resident", verbose_name=_("resident"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=ServiceKind.choices)
    description = models.TextField(_("description"), max_length=2000)
    case = models.OneToOneField(
        "cases.Case", verbose_name=_("case"), on_delete=models.PROTECT, related_name="home_service_request"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("requested at"), default=timezone.now)

    class Meta:
        verbose_name = _("home service request")
        verbose_name_plural = _("home service requests")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.resident} · {self.get_kind_display()}"
