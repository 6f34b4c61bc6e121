from datetime import datetime

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.backends.ddl_references import Statement
from django.db.models import Case as DbCase
from django.db.models import DateTimeField, F, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from huizhi.cases.models.categories import Category
from huizhi.cases.search import terms_array
from huizhi.cases.states import (
    HANDLE_CLOCK_STATUSES,
    OPEN_STATUSES,
    Action,
    ClockColour,
    Level,
    Outcome,
    Rating,
    Source,
    Status,
)
from huizhi.core.models import ChoiceLabels

# The deadline of the clock running in the case's state (see Case.running_deadline): the supervision
# queue and the "time left" sort order by it, and an index of open cases holds it in that order.
RUNNING_DEADLINE = DbCase(
    When(status=Status.REPORTED, then=F("accept_due_at")),
    # Sorted: the index's expression and the queries' must be written alike to match (a set's order
    # changes from process to process).
    When(status__in=sorted(HANDLE_CLOCK_STATUSES), then=F("handle_due_at")),
    default=Value(None),
    output_field=DateTimeField(),
)


# The columns the supervision queue's and the stalled tab's filters read (needing_supervision,
# stalled_q): kept in the open cases' index, so counting a scope's reads no row.
SUPERVISION_FIELDS = [
    "status",
    "accept_due_at",
    "accept_warn_at",
    "handle_due_at",
    "handle_warn_at",
    "rework_count",
    "reopen_count",
    "rating",
    "last_event_at",
    "category",
]


def _overdue_q(now: datetime) -> Q:
    return Q(status=Status.REPORTED, accept_due_at__lt=now) | Q(
        status__in=HANDLE_CLOCK_STATUSES, handle_due_at__lt=now
    )


def _near_due_q(now: datetime) -> Q:
    return Q(status=Status.REPORTED, accept_warn_at__lte=now, accept_due_at__gte=now) | Q(
        status__in=HANDLE_CLOCK_STATUSES, handle_warn_at__lte=now, handle_due_at__gte=now
    )


class CaseQuerySet(models.QuerySet):
    def open(self) -> "CaseQuerySet":
        # Sorted, as the open-cases index's condition is: PostgreSQL then sees the query's states
        # are the index's own and drops the filter (a set's order changes from process to process).
        return self.filter(status__in=sorted(OPEN_STATUSES))

    def in_category(self, code: str) -> "CaseQuerySet":
        """Cases of the category `code` and its subclasses, by the categories' ids (a handful of rows,
        read first). Given ids, PostgreSQL reads a category's newest cases in order from the
        case_category_newest index; filtered on the joined category's code it read and sorted the
        category's cases of the whole scope for a page of fifty (15 ms against 0.05 at a million)."""
        return self.filter(category_id__in=Category.ids_under(code))

    def overdue(self, now: datetime | None = None) -> "CaseQuerySet":
        return self.filter(_overdue_q(now or timezone.now()))

    def near_due(self, now: datetime | None = None) -> "CaseQuerySet":
        """Less than the near-due share of the limit left, not yet overdue (临期)."""
        return self.filter(_near_due_q(now or timezone.now()))

    def needing_supervision(self, now: datetime | None = None) -> "CaseQuerySet":
        """What the discipline commissioner's queue lists: overdue, near due, reworked, reopened,
        or rated unsatisfied — among cases still open."""
        now = now or timezone.now()
        troubled = Q(rework_count__gt=0) | Q(reopen_count__gt=0) | Q(rating=Rating.UNSATISFIED)
        return self.open().filter(_overdue_q(now) | _near_due_q(now) | troubled)


class PostgresOnly:
    """An index made on PostgreSQL and not elsewhere: SQLite lacks the kind (GIN) or the form
    (NULLS LAST), and the laptop's street is small enough to read without it."""

    def create_sql(self, model, schema_editor, using="", **kwargs):
        if schema_editor.connection.vendor != "postgresql":
            return Statement("SELECT 1")
        return super().create_sql(model, schema_editor, using=using, **kwargs)

    def remove_sql(self, model, schema_editor, **kwargs):
        if schema_editor.connection.vendor != "postgresql":
            return Statement("SELECT 1")
        return super().remove_sql(model, schema_editor, **kwargs)


class PostgresGinIndex(PostgresOnly, GinIndex):
    """A GIN index on PostgreSQL (huizhi.cases.search uses no index on SQLite)."""


class PostgresIndex(PostgresOnly, models.Index):
    """A b-tree index on PostgreSQL only."""


class Case(ChoiceLabels, models.Model):
    """Every problem that needs a response, whatever its source (DESIGN §4).

    State changes go through huizhi.cases.services.case_transition only; each appends a CaseEvent.
    """

    title = models.CharField(_("title"), max_length=120)
    # The title's characters and character pairs, for search (huizhi.cases.search.title_terms):
    # written with the title by the case services.
    title_terms = models.TextField(_("title search terms"), blank=True, default="", editable=False)
    description = models.TextField(_("description"), max_length=4000)
    source = models.CharField(_("source"), max_length=16, choices=Source.choices)
    category = models.ForeignKey(
        "cases.Category",
        verbose_name=_("category"),
        on_delete=models.PROTECT,
        related_name="cases",
        db_index=False,  # case_category_newest leads with it
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.REPORTED)
    level = models.CharField(_("level"), max_length=16, choices=Level.choices, default=Level.COMMUNITY)
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices, blank=True)
    priority = models.PositiveSmallIntegerField(_("priority"), default=0)

    # Where: the deepest place known (building, compound, grid, community or street), its code for
    # scope filters without a join, and the grid and community it lies in.
    place = models.ForeignKey(
        "places.Place", verbose_name=_("place"), on_delete=models.PROTECT, related_name="+"
    )
    place_code = models.CharField(_("place code"), max_length=32, editable=False)
    grid = models.ForeignKey(
        "places.Place",
        verbose_name=_("grid"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    community = models.ForeignKey(
        "places.Place",
        verbose_name=_("community"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    lat = models.FloatField(_("latitude"), null=True, blank=True)

    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reporter"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reported_cases",
    )
    reporter_label = models.CharField(_("reported by"), max_length=80, blank=True)  # e.g. the hotline system
    # A photo's address given by the system that filed the case (Open311 media_url); never fetched.
    media_url = models.URLField(_("photo address"), max_length=500, blank=True)
    handling_unit = models.ForeignKey(
        "places.Organisation",
        verbose_name=_("handling unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
    )
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    # Clocks, stored when set so that "overdue" and "near due" are plain filters.
    accept_due_at = models.DateTimeField(_("accept by"), null=True, blank=True)
    accept_warn_at = models.DateTimeField(_("accept near due from"), null=True, blank=True)
    handle_due_at = models.DateTimeField(_("handle by"), null=True, blank=True)
    handle_warn_at = models.DateTimeField(_("handle near due from"), null=True, blank=True)
    handle_limit_seconds = models.FloatField(
        _("handling limit (seconds of its clock)"), null=True, blank=True
    )
    handle_clock_working = models.BooleanField(_("handling clock counts working time"), default=True)
    # While suspended: the state it left and what was left of the handling clock.
    suspended_from = models.CharField(_("suspended from"), max_length=16, choices=Status.choices, blank=True)
    suspended_remaining_seconds = models.FloatField(_("time left when suspended"), null=True, blank=True)
    # Deadline sweep bookkeeping, so that each warning is sent once.
    warned_for = models.DateTimeField(_("near-due notice sent for deadline"), null=True, blank=True)
    overdue_for = models.DateTimeField(_("overdue notice sent for deadline"), null=True, blank=True)

    rework_count = models.PositiveSmallIntegerField(_("rework count"), default=0)
    reopen_count = models.PositiveSmallIntegerField(_("reopen count"), default=0)
    rating = models.CharField(_("rating"), max_length=16, choices=Rating.choices, blank=True)
    rated_at = models.DateTimeField(_("rated at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=0)  # bumps on every transition
    # When someone last worked the case: the time of its latest timeline line but the clock's own
    # warnings (states.CLOCK_ACTIONS), written by record_event, so "stalled" is a query.
    last_event_at = models.DateTimeField(_("last step at"), null=True, blank=True)
    # Indexed below, newest first with the id and place code (Meta.indexes).
    created_at = models.DateTimeField(_("reported at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = CaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=Status.values), name="case_status_valid"),
            models.CheckConstraint(condition=Q(source__in=Source.values), name="case_source_valid"),
            models.CheckConstraint(condition=Q(level__in=Level.values), name="case_level_valid"),
        ]
        indexes = [
            models.Index(fields=["status", "handle_due_at"]),
            models.Index(fields=["status", "accept_due_at"]),
            models.Index(fields=["community", "status"]),
            models.Index(fields=["handling_unit", "status"]),
            # Every case newest first (oldest, read backwards), the place code beside: a street's
            # page 200 of all its cases reads the index alone (120,000 entries, 16 ms at a million
            # cases) instead of fetching each row to test its place (300 ms); and any date range.
            models.Index(
                fields=["-created_at", "-id"], include=["place_code"], name="case_newest_with_place"
            ),
            # Queues: a scope is a place_code range; status and date filter and sort within it.
            models.Index(fields=["place_code", "status", "created_at"]),
            # A category's cases within a scope, one contiguous range: the category-filtered queue
            # counts its street's 6,241 cases of a category from 6,241 entries (1.7 ms at a million
            # cases), where an index led by the place code read the street's every entry (83,000,
            # 9 ms) to keep the category's.
            models.Index(fields=["category", "place_code", "created_at"], name="case_category_place"),
            # A category's cases newest first, the place code beside: the queue filtered by category
            # reads the category's newest entries, keeps those of the scope (from the index alone)
            # and stops at the page; the capped count reads the index alone too.
            models.Index(
                fields=["category", "-created_at", "-id"], include=["place_code"], name="case_category_newest"
            ),
            # The open queues (a community's, the supervision queue) read only open cases, some 8%
            # of a year's: an index of those alone, by scope and date, is small enough that a
            # community's open cases are one short range of it, however many closed cases pile up.
            # With what the supervision queue and the stalled tab test (clocks, rework, rating, last
            # step): a street commissioner's count reads the street's open cases from the index
            # alone (7,082 at a million cases: 8 → 2 ms) instead of fetching each row to test it.
            models.Index(
                fields=["place_code", "created_at", "id"],  # the id: pages and counts from the index alone
                include=SUPERVISION_FIELDS,
                condition=Q(status__in=sorted(OPEN_STATUSES)),
                name="case_open_place_created",
            ),
            # The supervision queue: open cases, most overdue first. Walking this index in order,
            # a scope's first page is its first fifty entries (a street's are one in twelve), however
            # many open cases the district has; without it, every open case of the scope was read
            # and sorted (40 ms for a street of a million-case district).
            PostgresIndex(
                RUNNING_DEADLINE.asc(nulls_last=True),
                F("id").desc(),
                condition=Q(status__in=sorted(OPEN_STATUSES)),
                name="case_open_running_due",
            ),
            # The case page's merge suggestions: the newest open cases of one category in one
            # community. Without it PostgreSQL ANDed the community's open cases with every case of
            # the category ever filed (82,000 of a common one at a million cases: 335 ms).
            models.Index(
                fields=["community", "category", "-created_at", "-id"],
                condition=Q(status__in=sorted(OPEN_STATUSES)),
                name="case_open_community_category",
            ),
            # Cases a person reported, open (the API's list adds them to the person's scope, as a
            # part counted apart): the reporter's index ANDed with every open case of the city
            # read 96,000 index entries to count a handful (13 ms per REST list at a million).
            models.Index(
                fields=["reporter", "-created_at", "-id"],
                condition=Q(status__in=sorted(OPEN_STATUSES)),
                name="case_open_reporter",
            ),
            # The commissioner's stalled tab reads the open-cases index above too (a scope's open
            # cases are few; last_event_at filters them): a second open-cases index led by the
            # place code would only make the planner choose between two for every open queue.
            # Title search (huizhi.cases.search): the title's terms and the place's as an array,
            # `@>` the query's pairs and the list's place.
            PostgresGinIndex(terms_array(), name="case_search_terms"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @property
    def reference(self) -> str:
        return f"HZ{self.pk:07d}" if self.pk else "HZ-new"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def running_deadline(self) -> tuple[datetime | None, datetime | None]:
        """(due, near-due-from) of the clock that runs in the current state, if any."""
        if self.status == Status.REPORTED:
            return self.accept_due_at, self.accept_warn_at
        if self.status in HANDLE_CLOCK_STATUSES:
            return self.handle_due_at, self.handle_warn_at
        return None, None

    def clock_colour(self, now: datetime | None = None) -> str:
        if self.status == Status.SUSPENDED:
            return ClockColour.PAUSED
        due, warn = self.running_deadline()
        if due is None:
            return ClockColour.NONE
        now = now or timezone.now()
        if now > due:
            return ClockColour.RED
        if warn is not None and now >= warn:
            return ClockColour.YELLOW
        return ClockColour.GREEN


class CaseEvent(ChoiceLabels, models.Model):
    """One line of a case's timeline. Append-only: written once by the services, never changed."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_label = models.CharField(_("actor"), max_length=120, blank=True)  # kept if the user is removed
    action = models.CharField(_("action"), max_length=32, choices=Action.choices)
    from_status = models.CharField(_("from"), max_length=16, choices=Status.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=16, choices=Status.choices, blank=True)
    note = models.TextField(_("note"), blank=True, max_length=4000)
    data = models.JSONField(_("details"), default=dict, blank=True)
    created_at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["case", "created_at"])]

    def __str__(self) -> str:
        return f"{self.case.reference} {self.action}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("case events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("case events are append-only")

    @property
    def label(self) -> str:
        from huizhi.cases.transitions import action_label

        return action_label(self.action)


def _photo_path(photo: "CasePhoto", filename: str) -> str:
    return f"cases/{timezone.now():%Y/%m}/{filename}"


class CasePhoto(models.Model):
    """A photo attached to a timeline event (the report's 'before', the result's 'after').

    Stored re-encoded without EXIF, so no photo carries the reporter's GPS position.
    """

    event = models.ForeignKey(
        CaseEvent, verbose_name=_("event"), on_delete=models.CASCADE, related_name="photos"
    )
    image = models.ImageField(_("photo"), upload_to=_photo_path)
    width = models.PositiveIntegerField(_("width"), default=0)
    height = models.PositiveIntegerField(_("height"), default=0)

    class Meta:
        verbose_name = _("case photo")
        verbose_name_plural = _("case photos")

    def __str__(self) -> str:
        return self.image.name
