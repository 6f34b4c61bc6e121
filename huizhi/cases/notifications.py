"""Who is told of what happened on a case: the in-app inbox, and a text message to the reporter.
`notify` is the one way any app tells people something happened (inbox line, text message).

Runs as a task after the transaction commits, so a failed transition never notifies anyone.
Integrating systems hear of events on their own (huizhi.cases.outbound), so a failure here, say of
the text-message gateway, never keeps a webhook from being sent.
"""

from datetime import datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from huizhi.accounts.models import RoleAssignment, User
from huizhi.accounts.roles import Role
from huizhi.cases import outbound
from huizhi.cases.models import Case, CaseEvent, Notification
from huizhi.cases.permissions import UNIT_ROLES
from huizhi.cases.states import Action
from huizhi.cases.transitions import action_label
from huizhi.core.sms import sms_backend
from huizhi.core.tasks import runs_in_a_worker, runs_in_batches

# Besides the reporter (told of every change): who else hears of each action.
AUDIENCES: dict[str, tuple[str, ...]] = {
    Action.REPORT: ("staff",),
    Action.DISPATCH: ("unit",),
    Action.RETURN: ("staff",),
    Action.REPORT_RESULT: ("grid_workers", "staff"),
    Action.VERIFY_FAILED: ("unit",),
    Action.ESCALATE: ("street",),
    Action.REOPEN: ("unit", "staff"),
    Action.RESUME: ("unit",),
    Action.SUPERVISE: ("unit", "staff"),
    Action.SUPERVISION_REPLY: ("commissioners",),
    Action.NEAR_DUE: ("unit", "staff"),
    Action.OVERDUE: ("unit", "staff", "commissioners"),
    Action.RATE: ("staff",),
}


class Holders:
    """Who holds each audience's role for a set of cases, read once for all of them: one query per
    audience the cases need (the worker delivers many events' notices in one go)."""

    def __init__(self, pairs):
        """`pairs`: (case, audiences) for every case whose audiences will be asked."""
        wanted: dict[str, set] = {}
        for case, audiences in pairs:
            for audience in audiences:
                wanted.setdefault(audience, set()).update(self._keys(case, audience))
        self._users: dict[tuple, set[int]] = {}
        for audience, keys in wanted.items():
            for key, user_id in self._read(audience, keys - {None}):
                self._users.setdefault((audience, key), set()).add(user_id)

    @staticmethod
    def _keys(case: Case, audience: str) -> tuple:
        """What names the holders of `audience` for `case`: a unit's or a place's id, or the code
        of its street (a street's roles are read by code: the case keeps no street id)."""
        street = case.place_code[:9]
        return {
            "unit": (case.handling_unit_id,),
            "staff": (case.community_id,),
            "grid_workers": (case.grid_id,),
            "commissioners": (case.community_id, street),
            "street": (street,),
        }.get(audience, ())

    @staticmethod
    def _read(audience: str, keys: set):
        """(key, user id) of every holder of `audience` for `keys`. By the place's id where the case
        has it (no join to the places: a join costs PostgreSQL more to plan than the read to run)."""
        if not keys:
            return []
        assignments = RoleAssignment.objects.all()
        if audience == "unit":
            return assignments.filter(role__in=UNIT_ROLES, organisation_id__in=keys).values_list(
                "organisation_id", "user_id"
            )
        if audience in ("staff", "grid_workers"):
            role = Role.COMMUNITY_STAFF if audience == "staff" else Role.GRID_WORKER
            return assignments.filter(role=role, place_id__in=keys).values_list("place_id", "user_id")
        if audience == "street":
            return assignments.filter(role=Role.STREET_ADMIN, place__code__in=keys).values_list(
                "place__code", "user_id"
            )
        # Commissioners of the cases' communities (by id) and of their streets (by code).
        ids = {key for key in keys if isinstance(key, int)}
        codes = keys - ids
        rows = assignments.filter(
            Q(place_id__in=ids) | Q(place__code__in=codes), role=Role.DISCIPLINE_COMMISSIONER
        ).values_list("place_id", "place__code", "user_id")
        return [pair for place_id, code, user in rows for pair in ((place_id, user), (code, user))]

    def of(self, case: Case, audience: str) -> set[int]:
        found = set()
        for key in self._keys(case, audience):
            found |= self._users.get((audience, key), set())
        return found


def audiences_for(case: Case, action: str) -> tuple[str, ...]:
    """The audiences of `action` on `case`: AUDIENCES, and the discipline commissioners of its
    community and street for an urgent case reported (DESIGN §2: the commissioner follows up)."""
    audiences = AUDIENCES.get(action, ())
    if action == Action.REPORT and case.category.is_urgent:
        audiences = (*audiences, "commissioners")
    return audiences


def recipients(case: Case, event: CaseEvent, holders: Holders | None = None) -> set[int]:
    """Who hears of `event`: the reporter of every state change, the audiences of its action, and
    the street leader who approved a suspension; never the actor. `holders`: the role holders
    already read for a batch of events (else read here for this one)."""
    action, actor_id = event.action, event.actor_id
    audiences = audiences_for(case, action)
    holders = holders or Holders([(case, audiences)])
    user_ids = set()
    if case.reporter_id and event.from_status != event.to_status:
        user_ids.add(case.reporter_id)
    if event.data.get("approver"):
        user_ids.add(event.data["approver"])
    for audience in audiences:
        user_ids.update(holders.of(case, audience))
    user_ids.discard(actor_id)
    user_ids.discard(None)
    return user_ids


def message_for(case: Case, event: CaseEvent) -> str:
    """What `event` did, and the state it left the case in: read from the event, never from the
    case, which may have moved on by the time the message is built (a queued task, the demo)."""
    label = action_label(event.action)
    if event.action == Action.REPORT and case.category.is_urgent:
        label = _("Urgent: %(action)s") % {"action": label}
    words = {"reference": case.reference, "title": case.title[:40], "action": label}
    if event.to_status and event.to_status != event.from_status:
        words["status"] = event.get_to_status_display()
        return _("%(reference)s “%(title)s”: %(action)s, moved to %(status)s") % words
    return _("%(reference)s “%(title)s”: %(action)s") % words


TEXT_MAX = 300  # an inbox line's length (Notification.text), and a text message's


def notify(user_ids, text: str, *, case_id: int | None = None, texted=(), at: datetime | None = None) -> int:
    """Tell people something happened, the one way every app does: an inbox line for each of
    `user_ids` (no one twice), about the case `case_id` if any, dated `at` (when it happened; now by
    default), and a text message to each user in `texted` who has a mobile, sent once the
    transaction commits (at once outside one), so a change rolled back never texts anyone. Returns
    how many got an inbox line."""
    text = text[:TEXT_MAX]
    lines = _inbox_lines(user_ids, text, case_id=case_id, at=at or timezone.now())
    Notification.objects.bulk_create(lines)
    _text_after_commit(texted, text)
    return len(lines)


def _inbox_lines(user_ids, text: str, *, case_id: int | None, at: datetime) -> list[Notification]:
    unique = sorted({uid for uid in user_ids if uid is not None})
    return [Notification(user_id=uid, case_id=case_id, text=text, created_at=at) for uid in unique]


def _text_after_commit(users, text: str) -> None:
    mobiles = [user.mobile for user in {u.pk: u for u in users if u is not None}.values() if user.mobile]

    def send() -> None:
        backend = sms_backend()
        for mobile in mobiles:
            backend.send(mobile, text)

    if mobiles:
        transaction.on_commit(send, robust=True)


def deliver_notices_of_events(event_ids: list[int]) -> list[int]:
    """For each event, inbox lines for everyone involved, dated when it happened, and a text to the
    reporter; returns how many were told of each."""
    return _deliver(_read_events(event_ids))


def _read_events(event_ids: list[int], *, locked: bool = False) -> list[CaseEvent]:
    """The events, in the order asked for, each carrying its case (with its category); `locked`:
    the cases locked until the caller's transaction commits."""
    # Read apart, not as one join: PostgreSQL took longer to plan the four-table join (~1.5 ms)
    # than to run these reads.
    events = CaseEvent.objects.in_bulk(event_ids)
    missing = set(event_ids) - set(events)
    if missing:
        raise CaseEvent.DoesNotExist(f"No case event {sorted(missing)}")
    read = Case.objects.select_related("category").filter(pk__in={event.case_id for event in events.values()})
    if locked:
        # In id order, so two workers never wait on each other crosswise; the category rows, which
        # many cases share, are not locked.
        read = read.select_for_update(no_key=True, of=("self",)).order_by("pk")
    cases = {case.pk: case for case in read}
    for event in events.values():
        event.case = cases[event.case_id]
    return [events[event_id] for event_id in event_ids]


def _deliver(events: list[CaseEvent]) -> list[int]:
    """Many events cost what one does: the worker hands over every queued notice it took at once
    (huizhi.core.tasks.runs_in_batches), and at a hundred cases a second one worker could not keep
    up with a dozen reads and writes for each."""
    holders = Holders([(event.case, audiences_for(event.case, event.action)) for event in events])
    told = [(event, event.case, recipients(event.case, event, holders)) for event in events]
    reporters = User.objects.in_bulk({case.reporter_id for _, case, ids in told if case.reporter_id in ids})
    lines, counts, texts = [], [], []
    for event, case, user_ids in told:
        text = message_for(case, event)[:TEXT_MAX]
        made = _inbox_lines(user_ids, text, case_id=case.pk, at=event.created_at)
        lines += made
        counts.append(len(made))
        if case.reporter_id in user_ids:
            texts.append(([reporters.get(case.reporter_id)], text))
    Notification.objects.bulk_create(lines)
    # Only once the lines are written: outside a transaction (one call made on its own) a text is
    # sent at once, and a notice whose lines then failed must not have texted anyone.
    for users, text in texts:
        _text_after_commit(users, text)
    return counts


def _after_commit(event_ids: list[int]) -> list[int]:
    """What the task worker does for each event queued: its notices, and the subscribers that hear
    of events in batches (huizhi.cases.outbound: the request that recorded the event left them to
    the worker). Returns how many were told of each.

    The cases are read locked, and stay so until the batch commits: another worker may be keeping
    a later event of one of them, and whichever writes last must write from the case's latest state
    (found from outside: read unlocked, two workers left a rejected case with a duplicate signature
    and a reopened one without). A step of one of these cases waits for the batch's commit, a few
    milliseconds; a filing, which only refers to a case, does not (no key lock)."""
    events = _read_events(event_ids, locked=True)
    counts = _deliver(events)
    outbound.tell_in_batches(events)
    return counts


@task()
def deliver_event_notifications(event_id: int) -> int:
    """Inbox lines for everyone involved in the event, and a text to the reporter; returns how
    many were told. In the task worker, the outbound seam's batch subscribers hear of it too."""
    if runs_in_a_worker(deliver_event_notifications):
        return _after_commit([event_id])[0]
    return deliver_notices_of_events([event_id])[0]


runs_in_batches(
    deliver_event_notifications, lambda calls: _after_commit([call["event_id"] for call in calls])
)


def inbox_open(user, limit: int = 100) -> tuple[list[Notification], set[int]]:
    """The user's latest notifications, and which of them were unread; opening the inbox reads them."""
    notifications = list(Notification.objects.filter(user=user).select_related("case")[:limit])
    unread = {n.pk for n in notifications if n.read_at is None}
    Notification.objects.filter(pk__in=unread).update(read_at=timezone.now())
    return notifications, unread
