"""The workbench (工作台): what waits for the signed-in person, one tile per kind of work their roles
do. Each tile is asked of the app that owns the work (its permission decides whether the tile is
shown, its selector what is counted) and costs one query, cut at CAP rows so a street's backlog
never turns into a full count."""

from dataclasses import dataclass
from urllib.parse import urlencode

from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from huizhi.accounts.roles import Role
from huizhi.accounts.scopes import scopes_of
from huizhi.care.selectors import active_alerts
from huizhi.cases.models import SupervisionNotice
from huizhi.cases.models.case import _near_due_q, _overdue_q
from huizhi.cases.permissions import UNIT_ROLES
from huizhi.cases.selectors import QueueFilter, callbacks_due, case_queue, supervision_queue
from huizhi.cases.states import Level, Status
from huizhi.meetings.models import AgendaItem
from huizhi.meetings.selectors import overdue_decisions
from huizhi.registry.models import ImportJob, ResidencyClaim
from huizhi.registry.permissions import import_jobs_visible_to, residency_claims_visible_to
from huizhi.wall.models import Stage
from huizhi.wall.permissions import posts_to_triage_for
from huizhi.wall.selectors import triage_counts

CAP = 99  # a tile shows "99+" past this


@dataclass(frozen=True)
class Tile:
    key: str
    label: str
    count: int
    url: str

    @property
    def shown(self) -> str:
        return f"{CAP}+" if self.count > CAP else str(self.count)


def _capped(queryset: QuerySet) -> int:
    """COUNT over at most CAP + 1 rows: enough to tell "99+" from 99, whatever the backlog."""
    return queryset.order_by()[: CAP + 1].count()


def _queue_url(**params) -> str:
    return f"{reverse('cases:queue')}?{urlencode(params)}"


def _case_tiles(user, now) -> list[Tile]:
    """To accept, to dispatch, overdue and near due in the user's case queue: one aggregate."""
    scopes = scopes_of(user)
    # Accepting and dispatching are staff's steps of the loop (transitions' "staff" rule): the
    # community's staff take its cases, the street's leadership only those escalated to the street.
    takes_intake = scopes.holds(Role.COMMUNITY_STAFF, Role.STREET_ADMIN, roles_only=True)
    theirs = scopes.q("place_code", Role.COMMUNITY_STAFF, roles_only=True) | (
        Q(level=Level.STREET) & scopes.q("place_code", Role.STREET_ADMIN, roles_only=True)
    )
    queue = case_queue(user, QueueFilter(status="open")).order_by()
    counts = queue.aggregate(
        reported=Count("pk", filter=Q(status=Status.REPORTED) & theirs),
        accepted=Count("pk", filter=Q(status=Status.ACCEPTED) & theirs),
        overdue=Count("pk", filter=_overdue_q(now)),
        near_due=Count("pk", filter=_near_due_q(now)),
    )
    tiles = []
    if takes_intake:
        tiles += [
            Tile("to_accept", _("To accept"), counts["reported"], _queue_url(status=Status.REPORTED)),
            Tile("to_dispatch", _("To dispatch"), counts["accepted"], _queue_url(status=Status.ACCEPTED)),
        ]
    tiles += [
        Tile("overdue", _("Overdue"), counts["overdue"], _queue_url(status="open", clock="overdue")),
        Tile("near_due", _("Near due"), counts["near_due"], _queue_url(status="open", clock="near_due")),
    ]
    return tiles


def workbench_tiles(user, now=None) -> list[Tile]:
    """The tiles of the work `user`'s roles do, in the order the work flows."""
    now = now or timezone.now()
    scopes = scopes_of(user)
    tiles: list[Tile] = []
    if user.has_perm("accounts.use_console"):
        tiles += _case_tiles(user, now)
    if user.has_perm("cases.supervise"):
        tiles.append(
            Tile(
                "to_supervise",
                _("To supervise"),
                _capped(supervision_queue(user, now=now)),
                reverse("cases:supervision"),
            )
        )
    if user.has_perm("meetings.supervise_decisions"):
        # Decisions are tracked like cases: the overdue ones wait beside the supervision queue.
        overdue = _capped(overdue_decisions(user, today=timezone.localdate(now)))
        tiles.append(
            Tile("overdue_decisions", _("Meeting decisions overdue"), overdue, reverse("meetings:overdue"))
        )
    if units := scopes.organisations_for(*UNIT_ROLES):
        # Notices are answered on the case page; the unit's open cases list them.
        notices = SupervisionNotice.objects.filter(unit_id__in=units, replied_at__isnull=True)
        tiles.append(
            Tile("replies_due", _("Supervision replies due"), _capped(notices), _queue_url(status="open"))
        )
    if user.has_perm("cases.call_back"):
        tiles.append(
            Tile(
                "callbacks_due", _("Call-backs due"), _capped(callbacks_due(user)), reverse("cases:callbacks")
            )
        )
    if user.has_perm("care.view_watch"):
        tiles.append(
            Tile("care_alerts", _("Care alerts"), _capped(active_alerts(user)), reverse("care:watch"))
        )
    if user.has_perm("meetings.schedule") and scopes.holds(Role.COMMUNITY_STAFF):
        items = AgendaItem.objects.filter(
            scopes.q("community__code", Role.COMMUNITY_STAFF), status=AgendaItem.Status.PENDING
        )
        tiles.append(
            Tile("agenda_items", _("Agenda items waiting"), _capped(items), reverse("meetings:index"))
        )
    if user.has_perm("registry.confirm_residency"):
        claims = residency_claims_visible_to(user).filter(status=ResidencyClaim.Status.PENDING)
        tiles.append(
            Tile("claims", _("Residency claims to confirm"), _capped(claims), reverse("registry:claims"))
        )
    if user.has_perm("wall.triage"):
        counts = triage_counts(posts_to_triage_for(user))
        queue = reverse("wall:queue")
        tiles += [
            Tile("wall_held", _("Wall posts held"), counts["held"], f"{queue}?stage={Stage.HELD}"),
            Tile("wall_triage", _("Wall posts to triage"), counts["open"], queue),
        ]
    if user.has_perm("registry.import"):
        running = import_jobs_visible_to(user).filter(
            status__in=[ImportJob.Status.QUEUED, ImportJob.Status.RUNNING]
        )
        tiles.append(Tile("imports", _("Imports running"), _capped(running), reverse("registry:import")))
    return tiles
