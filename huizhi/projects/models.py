"""The member units' three lists (党建引领: 需求清单 / 资源清单 / 项目清单, DESIGN §8) and the projects
they lead to. Every change goes through huizhi.projects.services and leaves a ProjectEvent."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

# Yuan. Above this a figure is a typing slip, not a street project's budget (a hundred million yuan).
MAX_AMOUNT = Decimal("100000000.00")
AMOUNT_FIELD = {"max_digits": 12, "decimal_places": 2}


class Need(models.Model):
    """需求清单: something residents need, recorded by the community (or a representative after a
    visit), waiting for a unit's resource to meet it."""

    class Source(models.TextChoices):
        RESIDENT = "resident", _("a resident asked")
        MEETING = "meeting", _("a meeting")
        VISIT = "visit", _("a visit")
        WALL = "wall", _("the problem wall")

    class Status(models.TextChoices):
        # Their own words: a need is not a case ("closed" would read 已结案).
        OPEN = "open", pgettext_lazy("need status", "open")
        MATCHED = "matched", pgettext_lazy("need status", "matched")
        CLOSED = "closed", pgettext_lazy("need status", "closed")

    community = models.ForeignKey(
        "places.Place", verbose_name=_("community"), on_delete=models.PROTECT, related_name="+"
    )
    # The deepest place the need is about (the community itself when it is about all of it).
    place = models.ForeignKey(
        "places.Place", verbose_name=_("place"), on_delete=models.PROTECT, related_name="+"
    )
    place_code = models.CharField(_("place code"), max_length=32, editable=False, db_index=True)
    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("description"), max_length=4000)
    source = models.CharField(_("source"), max_length=12, choices=Source.choices)
    # The wall item residents raised it on, when there is one: a project's progress answers it there.
    source_post = models.ForeignKey(
        "wall.Post",
        verbose_name=_("wall item"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.OPEN)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        verbose_name = _("need (需求清单)")
        verbose_name_plural = _("needs (需求清单)")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["open", "matched", "closed"]), name="need_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(source__in=["resident", "meeting", "visit", "wall"]), name="need_source_valid"
            ),
        ]
        indexes = [models.Index(fields=["status", "place_code"])]

    def __str__(self) -> str:
        return self.title


class Resource(models.Model):
    """资源清单: what a member unit (or a representative's studio) offers: a venue, volunteers,
    funds, skills or goods, until a date."""

    class Kind(models.TextChoices):
        VENUE = "venue", _("venue")
        VOLUNTEERS = "volunteers", _("volunteers")
        FUNDS = "funds", _("funds")
        SKILLS = "skills", _("skills")
        GOODS = "goods", _("goods")

    class Status(models.TextChoices):
        AVAILABLE = "available", _("available")
        MATCHED = "matched", _("matched to a need")
        WITHDRAWN = "withdrawn", _("withdrawn")

    organisation = models.ForeignKey(
        "places.Organisation",
        verbose_name=_("offered by"),
        on_delete=models.PROTECT,
        related_name="resources",
    )
    # Copied from the organisation's place: which communities it serves is a code comparison.
    place_code = models.CharField(_("place code"), max_length=32, editable=False, db_index=True)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("description"), max_length=4000, blank=True)
    amount = models.DecimalField(_("amount (yuan)"), null=True, blank=True, **AMOUNT_FIELD)
    capacity = models.PositiveIntegerField(_("capacity (people or items)"), null=True, blank=True)
    available_until = models.DateField(_("available until"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.AVAILABLE)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("resource (资源清单)")
        verbose_name_plural = _("resources (资源清单)")
        ordering = ["-updated_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["available", "matched", "withdrawn"]), name="resource_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["venue", "volunteers", "funds", "skills", "goods"]),
                name="resource_kind_valid",
            ),
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(amount__gte=0), name="resource_amount_not_negative"
            ),
        ]
        indexes = [models.Index(fields=["status", "place_code"])]

    def __str__(self) -> str:
        return self.title


class Project(models.Model):
    """项目清单: what was agreed and is being done, from a matched need, a meeting decision, a
    representative's studio or on its own; with its funding, dates, milestones and progress."""

    class Source(models.TextChoices):
        NEED = "need", _("a need matched to a resource")
        DECISION = "decision", _("a meeting decision")
        STUDIO = "studio", _("a representative's studio")
        FREE = "free", _("proposed directly")

    class Status(models.TextChoices):
        PLANNED = "planned", _("planned")
        UNDER_WAY = "under_way", _("under way")
        COMPLETE = "complete", _("complete")
        CANCELLED = "cancelled", _("cancelled")

    title = models.CharField(_("title"), max_length=120)
    community = models.ForeignKey(
        "places.Place", verbose_name=_("community"), on_delete=models.PROTECT, related_name="+"
    )
    place_code = models.CharField(_("place code"), max_length=32, editable=False, db_index=True)
    proposer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("proposed by"), on_delete=models.PROTECT, related_name="+"
    )
    proposing_organisation = models.ForeignKey(
        "places.Organisation",
        verbose_name=_("proposing organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="proposed_projects",
    )
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    need = models.ForeignKey(
        Need, verbose_name=_("need"), null=True, blank=True, on_delete=models.PROTECT, related_name="projects"
    )
    resource = models.ForeignKey(
        Resource,
        verbose_name=_("resource"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="projects",
    )
    decision = models.ForeignKey(
        "meetings.Decision",
        verbose_name=_("meeting decision"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The public wall item whose echo-wall answers carry the project's progress (from the need or
    # the decision's agenda item); none for a project no resident raised on the wall.
    wall_post = models.ForeignKey(
        "wall.Post",
        verbose_name=_("wall item"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    funding_source = models.CharField(_("funding source"), max_length=200, blank=True)
    funding_amount = models.DecimalField(_("funding (yuan)"), default=Decimal("0"), **AMOUNT_FIELD)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PLANNED)
    public_summary = models.TextField(_("public summary"), max_length=2000, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("project (项目清单)")
        verbose_name_plural = _("projects (项目清单)")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["planned", "under_way", "complete", "cancelled"]),
                name="project_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(source__in=["need", "decision", "studio", "free"]), name="project_source_valid"
            ),
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="project_ends_after_start"
            ),
            models.CheckConstraint(condition=Q(funding_amount__gte=0), name="project_funding_not_negative"),
            # A need is met, and a decision carried out, by one project.
            models.UniqueConstraint(
                fields=["need"], condition=Q(need__isnull=False), name="one_project_per_need"
            ),
            models.UniqueConstraint(
                fields=["decision"], condition=Q(decision__isnull=False), name="one_project_per_decision"
            ),
        ]
        indexes = [models.Index(fields=["status", "place_code"])]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status in (self.Status.PLANNED, self.Status.UNDER_WAY)


# The project's pipeline as data (django-oscar's order pipeline): where each status may go.
TRANSITIONS: dict[str, frozenset[str]] = {
    Project.Status.PLANNED: frozenset(
        {Project.Status.UNDER_WAY, Project.Status.COMPLETE, Project.Status.CANCELLED}
    ),
    Project.Status.UNDER_WAY: frozenset({Project.Status.COMPLETE, Project.Status.CANCELLED}),
    Project.Status.COMPLETE: frozenset(),
    Project.Status.CANCELLED: frozenset(),
}


class Milestone(models.Model):
    """A step of a project, due within the project's dates."""

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="milestones"
    )
    title = models.CharField(_("title"), max_length=120)
    due_on = models.DateField(_("due on"))
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("marked done by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        ordering = ["due_on", "id"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_done(self) -> bool:
        return self.done_at is not None


class ProjectEvent(models.Model):
    """One line of the audit trail of a project, a need or a resource. Append-only."""

    project = models.ForeignKey(
        Project,
        verbose_name=_("project"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="events",
    )
    need = models.ForeignKey(
        Need, verbose_name=_("need"), null=True, blank=True, on_delete=models.CASCADE, related_name="events"
    )
    resource = models.ForeignKey(
        Resource,
        verbose_name=_("resource"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="events",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=24)
    note = models.TextField(_("note"), max_length=4000, blank=True)
    # Whether the note also went to the echo wall (the public reads it there, not here).
    published = models.BooleanField(_("on the echo wall"), default=False)
    created_at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        verbose_name = _("project event")
        verbose_name_plural = _("project events")
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(project__isnull=False) | Q(need__isnull=False) | Q(resource__isnull=False),
                name="project_event_about_something",
            )
        ]

    def __str__(self) -> str:
        return self.action

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("project events are append-only")
        super().save(*args, **kwargs)

    @property
    def label(self) -> str:
        return str(EVENT_LABELS.get(self.action, self.action))


EVENT_LABELS = {
    "need_recorded": _("Need recorded"),
    "need_closed": _("Need closed"),
    "resource_recorded": _("Resource recorded"),
    "resource_updated": _("Resource updated"),
    "matched": _("Need matched to a resource"),
    "created": _("Project created"),
    "milestone_added": _("Milestone added"),
    "milestone_done": _("Milestone done"),
    "progress": _("Progress"),
    "completed": _("Project complete"),
    "cancelled": _("Project cancelled"),
}
