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
from huizhi.cases.models import Case, CaseEvent, Notification
from huizhi.cases.permissions import UNIT_ROLES
from huizhi.cases.states import Action
from huizhi.cases.transitions import action_label
from huizhi.core.sms import sms_backend

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


def _holders(case: Case, audience: str):
    # By the place's id where the case has it (no join to the places: a join costs PostgreSQL
    # more to plan than the whole read costs to run).
    assignments = RoleAssignment.objects.none()
    if audience == "unit" and case.handling_unit_id:
        assignments = RoleAssignment.objects.filter(
            role__in=UNIT_ROLES, organisation_id=case.handling_unit_id
        )
    elif audience == "staff" and case.community_id:
        assignments = RoleAssignment.objects.filter(role=Role.COMMUNITY_STAFF, place_id=case.community_id)
    elif audience == "grid_workers" and case.grid_id:
        assignments = RoleAssignment.objects.filter(role=Role.GRID_WORKER, place_id=case.grid_id)
    elif audience == "commissioners":
        community = Q(place_id=case.community_id) if case.community_id else Q()
        assignments = RoleAssignment.objects.filter(
            community | Q(place__code=case.place_code[:9]), role=Role.DISCIPLINE_COMMISSIONER
        )
    elif audience == "street":
        assignments = RoleAssignment.objects.filter(role=Role.STREET_ADMIN, place__code=case.place_code[:9])
    return assignments.values_list("user_id", flat=True)


def audiences_for(case: Case, action: str) -> tuple[str, ...]:
    """The audiences of `action` on `case`: AUDIENCES, and the discipline commissioners of its
    community and street for an urgent case reported (DESIGN §2: the commissioner follows up)."""
    audiences = AUDIENCES.get(action, ())
    if action == Action.REPORT and case.category.is_urgent:
        audiences = (*audiences, "commissioners")
    return audiences


def recipients(case: Case, event: CaseEvent) -> set[int]:
    """Who hears of `event`: the reporter of every state change, the audiences of its action, and
    the street leader who approved a suspension; never the actor."""
    action, actor_id = event.action, event.actor_id
    user_ids = set()
    if case.reporter_id and event.from_status != event.to_status:
        user_ids.add(case.reporter_id)
    if event.data.get("approver"):
        user_ids.add(event.data["approver"])
    for audience in audiences_for(case, action):
        user_ids.update(_holders(case, audience))
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
    unique = sorted({uid for uid in user_ids if uid is not None})
    at = at or timezone.now()
    Notification.objects.bulk_create(
        [Notification(user_id=uid, case_id=case_id, text=text, created_at=at) for uid in unique]
    )
    mobiles = [user.mobile for user in {u.pk: u for u in texted if u is not None}.values() if user.mobile]

    def send() -> None:
        backend = sms_backend()
        for mobile in mobiles:
            backend.send(mobile, text)

    if mobiles:
        transaction.on_commit(send, robust=True)
    return len(unique)


@task()
def deliver_event_notifications(event_id: int) -> int:
    """Inbox lines for everyone involved, dated when the event happened, and a text to the reporter;
    returns how many were told."""
    # Read apart, not as one join: this runs for every step of every case, and PostgreSQL took
    # longer to plan the four-table join it replaces (~1.5 ms) than to run all these reads.
    event = CaseEvent.objects.get(pk=event_id)
    case = Case.objects.select_related("category").get(pk=event.case_id)
    user_ids = recipients(case, event)
    texted = []
    if case.reporter_id in user_ids:
        texted = list(User.objects.filter(pk=case.reporter_id))
    return notify(user_ids, message_for(case, event), case_id=case.pk, texted=texted, at=event.created_at)


def inbox_open(user, limit: int = 100) -> tuple[list[Notification], set[int]]:
    """The user's latest notifications, and which of them were unread; opening the inbox reads them."""
    notifications = list(Notification.objects.filter(user=user).select_related("case")[:limit])
    unread = {n.pk for n in notifications if n.read_at is None}
    Notification.objects.filter(pk__in=unread).update(read_at=timezone.now())
    return notifications, unread
