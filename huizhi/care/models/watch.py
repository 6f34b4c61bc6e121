from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from huizhi.care.kinds import ContactMethod, ContactOutcome, Risk, WatcherKind


class WatchedQuerySet(models.QuerySet):
    def active(self) -> "WatchedQuerySet":
        return self.filter(is_active=True)

    def overdue(self, now: datetime | None = None) -> "WatchedQuerySet":
        """Watched residents whose next contact was due before `now`."""
        return self.active().filter(due_at__lt=now or timezone.now())

    def due_by(self, moment: datetime) -> "WatchedQuerySet":
        return self.active().filter(due_at__lt=moment)


class WatchedResident(models.Model):
    """An elder on the empty-nest watch (邻里守望·情暖空巢), with the cadence of their risk.

    `due_at` is stored (set when they are added and after each contact that reaches them), so
    "overdue" is a filter; `misses` counts consecutive "not reached" contacts.
    """

    # A resident taken off the watch keeps their entry (history); one entry at a time is active.
    resident = models.ForeignKey(
        "registry.Resident",
        verbose_name=_("resident"),
        on_delete=models.PROTECT,
        related_name="watch_entries",
    )
    place_code = models.CharField(_("place code"), max_length=32, editable=False, db_index=True)
    risk = models.CharField(_("risk"), max_length=12, choices=Risk.choices)
    cadence_days = models.PositiveSmallIntegerField(_("contact every (days)"))
    due_at = models.DateTimeField(_("next contact due"), db_index=True)
    last_contact_at = models.DateTimeField(_("last reached"), null=True, blank=True)
    misses = models.PositiveSmallIntegerField(_("not reached in a row"), default=0)
    # When the last counted miss was logged: a second "not reached" sooner than the gap
    # (HUIZHI_WATCH_MISS_GAP_HOURS) is the same attempt, not a second scheduled contact.
    last_miss_at = models.DateTimeField(_("last counted miss"), null=True, blank=True)
    is_active = models.BooleanField(_("on the watch list"), default=True)
    added_at = models.DateTimeField(_("added at"), default=timezone.now)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("added by"), on_delete=models.PROTECT, related_name="+"
    )
    ended_at = models.DateTimeField(_("taken off the watch at"), null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("taken off by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    end_reason = models.CharField(_("reason for taking off the watch"), max_length=300, blank=True)

    objects = WatchedQuerySet.as_manager()

    class Meta:
        verbose_name = _("watched resident")
        verbose_name_plural = _("watched residents")
        ordering = ["due_at", "id"]
        indexes = [models.Index(fields=["place_code", "is_active", "due_at"])]
        constraints = [
            models.CheckConstraint(condition=Q(risk__in=Risk.values), name="care_watch_risk_valid"),
            models.UniqueConstraint(
                fields=["resident"], condition=Q(is_active=True), name="care_watch_one_active_entry"
            ),
            models.CheckConstraint(
                condition=Q(is_active=True, ended_at__isnull=True)
                | Q(is_active=False, ended_at__isnull=False),
                name="care_watch_ended_when_inactive",
            ),
        ]

    def __str__(self) -> str:
        return str(self.resident)

    @property
    def grid_code(self) -> str:
        return self.place_code[:15]

    @property
    def community_code(self) -> str:
        return self.place_code[:12]


class Watcher(models.Model):
    """A person who keeps in touch with a watched elder: a party member, volunteer or grid worker."""

    watched = models.ForeignKey(
        WatchedResident, verbose_name=_("watched resident"), on_delete=models.CASCADE, related_name="watchers"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("watcher"), on_delete=models.CASCADE, related_name="watching"
    )
    kind = models.CharField(_("as"), max_length=16, choices=WatcherKind.choices)
    assigned_at = models.DateTimeField(_("assigned at"), default=timezone.now)

    class Meta:
        verbose_name = _("watcher")
        verbose_name_plural = _("watchers")
        ordering = ["watched", "id"]
        constraints = [
            models.UniqueConstraint(fields=["watched", "user"], name="care_watcher_once"),
            models.CheckConstraint(condition=Q(kind__in=WatcherKind.values), name="care_watcher_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.watched}"


class WatchContact(models.Model):
    """One visit or call, with what was found. Append-only."""

    watched = models.ForeignKey(
        WatchedResident, verbose_name=_("watched resident"), on_delete=models.CASCADE, related_name="contacts"
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+"
    )
    method = models.CharField(_("how"), max_length=8, choices=ContactMethod.choices)
    outcome = models.CharField(_("outcome"), max_length=16, choices=ContactOutcome.choices)
    note = models.TextField(_("note"), blank=True, max_length=2000)
    contacted_at = models.DateTimeField(_("time"), default=timezone.now)
    # A "not reached" logged within the gap of the last counted miss: kept, not counted.
    within_gap = models.BooleanField(_("not counted (same attempt as the last miss)"), default=False)
    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("case"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("watch contact")
        verbose_name_plural = _("watch contacts")
        ordering = ["-contacted_at", "-id"]
        indexes = [models.Index(fields=["watched", "contacted_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(outcome__in=ContactOutcome.values), name="care_contact_outcome_valid"
            ),
            models.CheckConstraint(
                condition=Q(method__in=ContactMethod.values), name="care_contact_method_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.watched} {self.get_outcome_display()}"
