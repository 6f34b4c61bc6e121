"""The case state machine as data (DESIGN §4): one row per action, read by case_transition().

`who` names the actor rules of huizhi.cases.permissions that may take the action; `needs` names
the inputs the action cannot do without. States and roles are checked in one place, the service.
"""

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from huizhi.cases.states import Level, Status

SAME = "same"  # escalate: the state does not change, the level does
PREVIOUS = "previous"  # resume: back to the state the case was suspended from


@dataclass(frozen=True)
class Transition:
    action: str
    label: str
    sources: frozenset[str]
    target: str
    who: tuple[str, ...]
    needs: tuple[str, ...] = field(default=())
    levels: tuple[str, ...] = field(default=())  # the case levels it applies at; empty: any

    def applies_to(self, case) -> bool:
        """Whether the case's state (and level) allow this move at all, whoever asks."""
        return case.status in self.sources and (not self.levels or case.level in self.levels)


_T = Transition
_OPEN_WORK = frozenset({Status.ACCEPTED, Status.DISPATCHED, Status.HANDLING})

TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in [
        _T("accept", _("Accept"), frozenset({Status.REPORTED}), Status.ACCEPTED, ("staff",)),
        _T(
            "reject",
            _("Reject"),
            frozenset({Status.REPORTED}),
            Status.REJECTED,
            ("staff",),
            ("reason", "outcome"),
        ),
        _T(
            "merge",
            _("Merge as duplicate"),
            frozenset({Status.REPORTED}),
            Status.MERGED,
            ("staff",),
            ("merged_into",),
        ),
        _T("dispatch", _("Dispatch"), frozenset({Status.ACCEPTED}), Status.DISPATCHED, ("staff",), ("unit",)),
        _T("start", _("Start handling"), frozenset({Status.DISPATCHED}), Status.HANDLING, ("unit",)),
        _T(
            "return",
            _("Return to the community"),
            frozenset({Status.DISPATCHED}),
            Status.ACCEPTED,
            ("unit",),
            ("reason",),
        ),
        _T(
            "report_result",
            _("Report the result"),
            frozenset({Status.HANDLING}),
            Status.HANDLED,
            ("unit",),
            ("note",),
        ),
        _T("verify", _("Verify and close"), frozenset({Status.HANDLED}), Status.CLOSED, ("verifier",)),
        _T(
            "verify_failed",
            _("Send back for rework"),
            frozenset({Status.HANDLED}),
            Status.DISPATCHED,
            ("verifier",),
            ("reason",),
        ),
        _T(
            "escalate",
            _("Escalate to the street"),
            _OPEN_WORK,
            SAME,
            ("community_staff",),
            levels=(Level.COMMUNITY,),
        ),
        _T("suspend", _("Suspend"), _OPEN_WORK, Status.SUSPENDED, ("staff",), ("reason", "approver")),
        _T("resume", _("Resume"), frozenset({Status.SUSPENDED}), PREVIOUS, ("staff",)),
        _T(
            "reopen",
            _("Reopen"),
            frozenset({Status.CLOSED}),
            Status.DISPATCHED,
            # The reporter reopens by rating 不满意 (case_rate); staff may reopen directly.
            ("staff",),
            ("reason",),
        ),
    ]
}

# Timeline actions that are not state transitions.
OTHER_ACTIONS: dict[str, str] = {
    "report": _("Reported"),
    "rate": _("Rated"),
    "supervise": _("Supervision notice issued"),
    "supervision_reply": _("Supervision notice answered"),
    "near_due": _("Near due"),
    "overdue": _("Overdue"),
}


def action_label(action: str) -> str:
    if action in TRANSITIONS:
        return str(TRANSITIONS[action].label)
    return str(OTHER_ACTIONS.get(action, action))
