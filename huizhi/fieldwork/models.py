"""The grid worker's day (DESIGN §15): patrols and their check-ins, household visits on the cadence
the community sets per household tag, and problems fixed on the spot with their spot checks.

Every row carries `place_code` (its place's code) so that scope is a code range without a join, as
everywhere else: a patrol's grid, a check-in's place, a visit's household unit, a fix's case place.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from huizhi.core.fields import EncryptedTextField
from huizhi.registry.tags import Tag

# A check-in this far from its place's point (metres) is kept but flagged: the phone may be
# imprecise, the worker may have checked in from the next building, or not have been there.
FAR_METRES = 500
# Cadences run from a day to a year.
CADENCE_DAYS_MAX = 366


class Patrol(models.Model):
    """One patrol (巡查) of a grid by its grid worker, from start to stop."""

    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("grid worker"),
        on_delete=models.PROTECT,
        related_name="patrols",
    )
    grid = models.ForeignKey(
        "places.Place", verbose_name=_("grid"), on_delete=models.PROTECT, related_name="+"
    )
    place_code = models.CharField(_("place code"), max_length=32, editable=False)
    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)

    class Meta:
        verbose_name = _("patrol")
        verbose_name_plural = _("patrols")
        ordering = ["-started_at", "-id"]
        indexes = [
            models.Index(fields=["place_code", "started_at"]),
            models.Index(fields=["worker", "started_at"]),
        ]
        constraints = [
            # One open patrol per worker, kept by the database too: two taps on "start" at once.
            models.UniqueConstraint(
                fields=["worker"], condition=Q(ended_at__isnull=True), name="fieldwork_one_open_patrol"
            ),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=F("started_at")),
                name="fieldwork_patrol_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.grid} {timezone.localtime(self.started_at):%Y-%m-%d %H:%M}"

    @property
    def is_open(self) -> bool:
        return self.ended_at is None

    @property
    def minutes(self) -> int:
        """How long it lasted (so far, while open), in whole minutes."""
        end = self.ended_at or timezone.now()
        return max(0, int((end - self.started_at).total_seconds() // 60))


class CheckIn(models.Model):
    """The worker was at a compound or building during a patrol, with where the phone said it was."""

    patrol = models.ForeignKey(
        Patrol, verbose_name=_("patrol"), on_delete=models.CASCADE, related_name="check_ins"
    )
    place = models.ForeignKey(
        "places.Place", verbose_name=_("place"), on_delete=models.PROTECT, related_name="+"
    )
    place_code = models.CharField(_("place code"), max_length=32, editable=False)
    at = models.DateTimeField(_("time"), default=timezone.now)
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    # Metres between the phone's point and the place's point, when both are known.
    distance_m = models.PositiveIntegerField(_("distance from the place (m)"), null=True, blank=True)
    far = models.BooleanField(_("far from the place"), default=False)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("patrol check-in")
        verbose_name_plural = _("patrol check-ins")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["patrol", "at"]), models.Index(fields=["place_code", "at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(lat__isnull=True, lon__isnull=True)
                | Q(lat__gte=-90, lat__lte=90, lon__gte=-180, lon__lte=180),
                name="fieldwork_check_in_point_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.place} {timezone.localtime(self.at):%H:%M}"


class VisitCadence(models.Model):
    """How often the community wants a household with `tag` visited (e.g. living alone: every 7 days)."""

    community = models.ForeignKey(
        "places.Place", verbose_name=_("community"), on_delete=models.CASCADE, related_name="+"
    )
    place_code = models.CharField(_("place code"), max_length=32, editable=False)
    tag = models.CharField(_("household tag"), max_length=16, choices=Tag.choices)
    every_days = models.PositiveSmallIntegerField(_("visit every (days)"))
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("set by"), on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(_("set at"), default=timezone.now)

    class Meta:
        verbose_name = _("visit cadence")
        verbose_name_plural = _("visit cadences")
        ordering = ["place_code", "tag"]
        constraints = [
            models.UniqueConstraint(fields=["community", "tag"], name="fieldwork_cadence_once_per_tag"),
            models.CheckConstraint(
                condition=Q(every_days__gte=1, every_days__lte=CADENCE_DAYS_MAX),
                name="fieldwork_cadence_days_range",
            ),
            models.CheckConstraint(condition=Q(tag__in=Tag.values), name="fieldwork_cadence_tag_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.community} {self.get_tag_display()} {self.every_days}"


class NeedOutcome(models.TextChoices):
    """What a need met on a household visit becomes, in the same step as the visit is logged."""

    NOTHING = "", _("nothing more for now")
    CASE = "case", _("a case")
    CARE = "care", _("a home-service request to the care station")
    AGENDA = "agenda", _("a topic for a consultation meeting")


class Visit(models.Model):
    """A grid worker's visit to a household (走访 / 民情日志). What was said is personal data: the
    needs and the follow-up are encrypted at rest and shown only within the registry's scope."""

    household = models.ForeignKey(
        "registry.Household", verbose_name=_("household"), on_delete=models.PROTECT, related_name="visits"
    )
    place_code = models.CharField(_("place code"), max_length=32, editable=False)
    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("visited by"), on_delete=models.PROTECT, related_name="+"
    )
    visited_on = models.DateField(_("visited on"))
    met = models.ForeignKey(
        "registry.Resident",
        verbose_name=_("met"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    needs = EncryptedTextField(_("needs"), blank=True, default="")
    follow_up = EncryptedTextField(_("follow-up"), blank=True, default="")
    # What a need raised on the visit became, in the same step: a case (source: welfare visit), a
    # home-service request to the community's care station, or a topic for consultation.
    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("case"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    care_request = models.ForeignKey(
        "care.HomeServiceRequest",
        verbose_name=_("home-service request"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    agenda_item = models.ForeignKey(
        "meetings.AgendaItem",
        verbose_name=_("topic for consultation"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    patrol = models.ForeignKey(
        Patrol,
        verbose_name=_("patrol"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="visits",
    )
    created_at = models.DateTimeField(_("logged at"), default=timezone.now)

    class Meta:
        verbose_name = _("household visit")
        verbose_name_plural = _("household visits")
        ordering = ["-visited_on", "-id"]
        indexes = [
            models.Index(fields=["household", "visited_on"]),
            models.Index(fields=["place_code", "visited_on"]),
        ]

    def __str__(self) -> str:
        # No names and no notes: this is what the audit trail and the admin's lists show.
        return f"{self.household} {self.visited_on:%Y-%m-%d}"


class SpotFix(models.Model):
    """A problem found and fixed on the spot (自行处置): the closed case it is, and its spot check."""

    class Check(models.TextChoices):
        UNCHECKED = "", _("not checked")
        OK = "ok", _("checked: fixed")
        NOT_OK = "not_ok", _("checked: not fixed")

    case = models.OneToOneField(
        "cases.Case", verbose_name=_("case"), on_delete=models.PROTECT, related_name="spot_fix"
    )
    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("fixed by"), on_delete=models.PROTECT, related_name="+"
    )
    patrol = models.ForeignKey(
        Patrol,
        verbose_name=_("patrol"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="fixes",
    )
    place_code = models.CharField(_("place code"), max_length=32, editable=False)
    created_at = models.DateTimeField(_("fixed at"), default=timezone.now)
    # Drawn when the fix is filed, so the worker cannot know which fixes will be checked.
    in_sample = models.BooleanField(_("in the check sample"), default=False)
    check_result = models.CharField(
        _("spot check"), max_length=8, choices=Check.choices, blank=True, default=""
    )
    check_note = models.CharField(_("check note"), max_length=500, blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("checked by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    checked_at = models.DateTimeField(_("checked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("fix on the spot")
        verbose_name_plural = _("fixes on the spot")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["place_code", "created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(check_result__in=["", "ok", "not_ok"]), name="fieldwork_spot_check_valid"
            ),
            models.CheckConstraint(
                condition=Q(check_result="") | Q(checked_at__isnull=False), name="fieldwork_spot_check_dated"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.get_check_result_display()}"
