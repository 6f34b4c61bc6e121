from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from huizhi.cases.models import Case
from huizhi.cases.services.common import record_event
from huizhi.cases.states import HANDLE_CLOCK_STATUSES, Status
from huizhi.core.readiness import DEADLINE_SWEEP, heartbeat_record


@dataclass
class SweepResult:
    near_due: list[int] = field(default_factory=list)
    overdue: list[int] = field(default_factory=list)


def deadlines_sweep(*, now: datetime | None = None, dry_run: bool = False) -> SweepResult:
    """Notify once per deadline when a case turns near due and when it turns overdue.

    Idempotent: a case is marked with the deadline it was warned for, so running every minute
    sends each notice once; a new deadline (rework, reopen, resume) warns again.
    """
    now = now or timezone.now()
    result = SweepResult()
    # overdue() and near_due() already look only at the clock running in each state.
    overdue = Case.objects.overdue(now).exclude(
        Q(status=Status.REPORTED, overdue_for=F("accept_due_at"))
        | Q(status__in=HANDLE_CLOCK_STATUSES, overdue_for=F("handle_due_at"))
    )
    near = Case.objects.near_due(now).exclude(
        Q(status=Status.REPORTED, warned_for=F("accept_due_at"))
        | Q(status__in=HANDLE_CLOCK_STATUSES, warned_for=F("handle_due_at"))
    )
    for kind, queryset, marker in (("overdue", overdue, "overdue_for"), ("near_due", near, "warned_for")):
        for case_id in queryset.values_list("pk", flat=True).iterator():
            getattr(result, kind).append(case_id)
            if dry_run:
                continue
            with transaction.atomic():
                case = Case.objects.select_for_update().select_related("category").get(pk=case_id)
                deadline = case.running_deadline()[0]
                if deadline is None or getattr(case, marker) == deadline:
                    continue  # moved on, or another sweep got here first
                setattr(case, marker, deadline)
                case.save(update_fields=[marker])
                record_event(
                    case=case,
                    actor=None,
                    action=kind,
                    from_status=case.status,
                    to_status=case.status,
                    data={"due_at": deadline.isoformat()},
                )
    if not dry_run:
        heartbeat_record(DEADLINE_SWEEP)  # /readyz: a sweep that stops running is noticed
    return result
