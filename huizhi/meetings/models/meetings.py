"""Consultation (协商议事, DESIGN §8): meetings, who is invited and came, what was discussed and
what was decided. Every change goes through huizhi.meetings.services and leaves a MeetingEvent."""

import secrets
from datetime import date, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class MeetingKind(models.TextChoices):
    DIALOGUE = "dialogue", _("dialogue meeting (恳谈会)")
    CONSULTATION = "consultation", _("consultation meeting (协商议事会)")
    COMMENDATION = "commendation", _("commendation meeting (表彰会)")
    FORUM = "forum", _("forum (座谈会)")


class InviteeRole(models.TextChoices):
    """The parties a meeting invites (DESIGN §8), each resolved to the accounts that hold it."""

    PARTY_COMMITTEE = "party_committee", _("community party committee")
    GRID_BRANCH = "grid_branch", _("grid party branch")
    PROPERTY_COMPANY = "property_company", _("property company")
    OWNERS_COMMITTEE = "owners_committee", _("owners' committee")
    RESIDENT_REPRESENTATIVE = "resident_rep", _("residents' representative")
    REPRESENTATIVE = "representative", _("deputy or committee member (两代表一委员)")
    MEMBER_UNIT = "member_unit", _("member unit of the 大党委")
    RESIDENT = "resident", _("resident of the group")
    STAFF = "staff", _("community staff")


SIGN_IN_EARLY = timedelta(minutes=30)

# Who votes by default: the residents and their representatives decide their own affairs; the
# bodies that help (units, companies, deputies) advise. The organiser can change it per invitee.
VOTING_ROLES = frozenset({InviteeRole.RESIDENT, InviteeRole.RESIDENT_REPRESENTATIVE})


def new_sign_in_token() -> str:
    """The secret the meeting's QR code carries: only someone who sees the code at the meeting
    (or is told it there) signs in on their own phone. 256 bits, URL-safe."""
    return secrets.token_urlsafe(32)


class AgendaItem(models.Model):
    """A matter for consultation (议题): from a wall item, a case, a recurring problem or a free
    topic. It waits until a meeting takes it up; one item may be discussed at several meetings."""

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting for a meeting")
        SCHEDULED = "scheduled", _("scheduled")
        DECIDED = "decided", _("decided")

    class Source(models.TextChoices):
        WALL = "wall", _("problem wall")
        CASE = "case", _("case")
        RECURRING = "recurring", _("recurring problem")
        FREE = "free", _("free topic")
        VISIT = "visit", _("household visit")

    community = models.ForeignKey(
        "places.Place", verbose_name=_("community"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("title"), max_length=120)
    summary = models.TextField(_("summary"), max_length=4000)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PENDING)
    source = models.CharField(_("source"), max_length=12, choices=Source.choices, default=Source.FREE)
    source_post = models.OneToOneField(
        "wall.Post",
        verbose_name=_("wall post"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="agenda_item",
    )
    source_case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("case"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda items")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["pending", "scheduled", "decided"]), name="agenda_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(source__in=["wall", "case", "recurring", "free", "visit"]),
                name="agenda_source_valid",
            ),
        ]
        indexes = [models.Index(fields=["community", "status"])]

    def __str__(self) -> str:
        return self.title


class Meeting(models.Model):
    """A meeting held by a self-governance region or group, a community (or compound), or a
    representative's studio, at a place and a time."""

    kind = models.CharField(_("kind"), max_length=16, choices=MeetingKind.choices)
    title = models.CharField(_("title"), max_length=120)
    community = models.ForeignKey(
        "places.Place", verbose_name=_("community"), on_delete=models.PROTECT, related_name="+"
    )
    # The deepest place the meeting is about (building, compound or community): scope filters
    # read its code without a join.
    place = models.ForeignKey(
        "places.Place", verbose_name=_("place"), on_delete=models.PROTECT, related_name="+"
    )
    place_code = models.CharField(_("place code"), max_length=32, editable=False, db_index=True)
    venue = models.CharField(_("venue"), max_length=120, help_text=_("e.g. the consultation pavilion"))
    # The meeting place chosen from the community's venues (协商议事亭 and others); `venue` keeps its
    # name as shown, and stays the only record for meetings scheduled before venues existed.
    venue_place = models.ForeignKey(
        "meetings.Venue",
        verbose_name=_("meeting place"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="meetings",
    )
    # Who holds it: exactly one of a region, a group or an organisation (a studio, the community's
    # party committee); `organiser_name` keeps the name shown.
    organiser_region = models.ForeignKey(
        "places.Region",
        verbose_name=_("region"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    organiser_group = models.ForeignKey(
        "places.Group",
        verbose_name=_("group"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    organiser_organisation = models.ForeignKey(
        "places.Organisation",
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    organiser_name = models.CharField(_("held by"), max_length=120)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    minutes = models.TextField(_("minutes"), max_length=20000, blank=True)
    sign_in_token = models.CharField(
        _("sign-in token"), max_length=64, editable=False, default=new_sign_in_token
    )
    minutes_published_at = models.DateTimeField(_("minutes published at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["-starts_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["dialogue", "consultation", "commendation", "forum"]),
                name="meeting_kind_valid",
            ),
            models.CheckConstraint(
                condition=(
                    Q(
                        organiser_region__isnull=False,
                        organiser_group__isnull=True,
                        organiser_organisation__isnull=True,
                    )
                    | Q(
                        organiser_region__isnull=True,
                        organiser_group__isnull=False,
                        organiser_organisation__isnull=True,
                    )
                    | Q(
                        organiser_region__isnull=True,
                        organiser_group__isnull=True,
                        organiser_organisation__isnull=False,
                    )
                ),
                name="meeting_has_one_organiser",
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="meeting_ends_after_start"
            ),
        ]
        indexes = [models.Index(fields=["place_code", "starts_at"])]

    def __str__(self) -> str:
        return self.title

    @property
    def minutes_published(self) -> bool:
        return self.minutes_published_at is not None

    def sign_in_open(self, now=None) -> bool:
        """Invitees sign in on their phones from a little before the start until the end."""
        now = now or timezone.now()
        return self.starts_at - SIGN_IN_EARLY <= now <= self.ends_at


class Invitation(models.Model):
    """An invited person, the party they come for, whether they vote, and whether they came."""

    class SignedInBy(models.TextChoices):
        SELF = "self", _("signed in on their phone")
        ORGANISER = "organiser", _("marked by the organiser")

    meeting = models.ForeignKey(
        Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="invitations"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("invitee"),
        on_delete=models.PROTECT,
        related_name="meeting_invitations",
    )
    role = models.CharField(_("attends as"), max_length=20, choices=InviteeRole.choices)
    organisation = models.ForeignKey(
        "places.Organisation",
        verbose_name=_("for"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    may_vote = models.BooleanField(_("may vote"), default=False)
    attended_at = models.DateTimeField(_("signed in at"), null=True, blank=True)
    signed_in_by = models.CharField(_("signed in how"), max_length=12, choices=SignedInBy.choices, blank=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["role", "id"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "user"], name="one_invitation_per_person"),
            models.CheckConstraint(condition=Q(role__in=InviteeRole.values), name="invitation_role_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()}"


class MeetingItem(models.Model):
    """An agenda item taken up at one meeting (the same item may come back at a later one)."""

    meeting = models.ForeignKey(
        Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="items"
    )
    agenda_item = models.ForeignKey(
        AgendaItem, verbose_name=_("agenda item"), on_delete=models.PROTECT, related_name="meeting_items"
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("meeting agenda entry")
        verbose_name_plural = _("meeting agenda entries")
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "agenda_item"], name="agenda_item_once_per_meeting")
        ]

    def __str__(self) -> str:
        return f"{self.meeting_id} · {self.agenda_item}"


class DecisionQuerySet(models.QuerySet):
    def open(self) -> "DecisionQuerySet":
        return self.filter(status=Decision.Status.OPEN)

    def overdue(self, today: date | None = None) -> "DecisionQuerySet":
        """Open decisions whose due date has passed (the commissioner's supervision list)."""
        return self.open().filter(due_date__lt=today or timezone.localdate())


class Decision(models.Model):
    """What a meeting decided: the text, how (vote or consensus), who carries it out by when, and
    how far it has got. Tracked to completion like a case; it may spawn cases."""

    class Method(models.TextChoices):
        VOTE = "vote", _("vote")
        CONSENSUS = "consensus", _("consensus")

    class Status(models.TextChoices):
        OPEN = "open", _("in progress")
        DONE = "done", _("done")

    meeting = models.ForeignKey(
        Meeting, verbose_name=_("meeting"), on_delete=models.PROTECT, related_name="decisions"
    )
    agenda_item = models.ForeignKey(
        AgendaItem,
        verbose_name=_("agenda item"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="decisions",
    )
    text = models.TextField(_("decision"), max_length=4000)
    method = models.CharField(_("decided by"), max_length=12, choices=Method.choices)
    votes_for = models.PositiveSmallIntegerField(_("for"), default=0)
    votes_against = models.PositiveSmallIntegerField(_("against"), default=0)
    votes_abstain = models.PositiveSmallIntegerField(_("abstain"), default=0)
    owner_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner (person)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="meeting_decisions",
    )
    owner_organisation = models.ForeignKey(
        "places.Organisation",
        verbose_name=_("owner (organisation)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="meeting_decisions",
    )
    owner_name = models.CharField(_("owner"), max_length=120)
    due_date = models.DateField(_("due date"))
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.OPEN)
    # Copied from the meeting so the supervision list filters by scope without a join.
    place_code = models.CharField(_("place code"), max_length=32, editable=False)
    cases = models.ManyToManyField("cases.Case", verbose_name=_("cases"), blank=True, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)

    objects = DecisionQuerySet.as_manager()

    class Meta:
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=["open", "done"]), name="decision_status_valid"),
            models.CheckConstraint(
                condition=Q(method__in=["vote", "consensus"]), name="decision_method_valid"
            ),
            models.CheckConstraint(
                condition=Q(owner_user__isnull=False, owner_organisation__isnull=True)
                | Q(owner_user__isnull=True, owner_organisation__isnull=False),
                name="decision_has_one_owner",
            ),
        ]
        indexes = [models.Index(fields=["status", "due_date", "place_code"])]

    def __str__(self) -> str:
        return self.text[:60]

    def is_overdue(self, today: date | None = None) -> bool:
        return self.status == self.Status.OPEN and self.due_date < (today or timezone.localdate())


class Vote(models.Model):
    """One entitled invitee's vote on a decision put to the vote."""

    class Choice(models.TextChoices):
        FOR = "for", _("for")
        AGAINST = "against", _("against")
        ABSTAIN = "abstain", _("abstain")

    decision = models.ForeignKey(
        Decision, verbose_name=_("decision"), on_delete=models.CASCADE, related_name="votes"
    )
    invitation = models.ForeignKey(
        Invitation, verbose_name=_("voter"), on_delete=models.PROTECT, related_name="votes"
    )
    choice = models.CharField(_("vote"), max_length=8, choices=Choice.choices)

    class Meta:
        verbose_name = _("vote")
        verbose_name_plural = _("votes")
        constraints = [
            models.UniqueConstraint(fields=["decision", "invitation"], name="one_vote_per_voter"),
            models.CheckConstraint(
                condition=Q(choice__in=["for", "against", "abstain"]), name="vote_choice_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.invitation} · {self.choice}"


class MeetingEvent(models.Model):
    """One line of a meeting's timeline (and of a decision's, when `decision` is set). Append-only."""

    meeting = models.ForeignKey(
        Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="events"
    )
    decision = models.ForeignKey(
        Decision,
        verbose_name=_("decision"),
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
    created_at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        verbose_name = _("meeting event")
        verbose_name_plural = _("meeting events")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.meeting_id} {self.action}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("meeting events are append-only")
        super().save(*args, **kwargs)

    @property
    def label(self) -> str:
        return str(EVENT_LABELS.get(self.action, self.action))


EVENT_LABELS = {
    "scheduled": _("Meeting scheduled"),
    "invited": _("Invitations sent"),
    "agenda_added": _("Put on the agenda"),
    "signed_in": _("Signed in"),
    "minutes_saved": _("Minutes saved"),
    "minutes_published": _("Minutes published"),
    "decided": _("Decision recorded"),
    "progress": _("Progress"),
    "done": _("Decision carried out"),
    "case_spawned": _("Case opened"),
    "commended": _("Commended"),
}
