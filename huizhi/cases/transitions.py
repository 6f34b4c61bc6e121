"""The case state machine as data (DESIGN §4): one row per action, read by case_transition(), the
case page, the forms and the API alike.

A row says which states it applies to and the state it leads to; `who` names the actor rules of
huizhi.cases.permissions that may take it; `inputs` are what a person gives with it (the page shows
those fields, in that order) and `needs` those it cannot do without; `effect` is what it writes on
the case besides the state (huizhi.cases.effects). States, roles and inputs are checked in one
place, the service.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from huizhi.cases import effects
from huizhi.cases.states import Action, Level, Status

SAME = "same"  # escalate: the state does not change, the level does
PREVIOUS = "previous"  # resume: back to the state the case was suspended from


# What a person may give with a transition: the names of the page's form fields, the API's body
# fields and case_transition()'s keyword arguments, in the order the page shows them.
NOTE, REASON, OUTCOME, MERGED_INTO, UNIT, DUE_AT, APPROVER, PHOTOS = (
    "note",
    "reason",
    "outcome",
    "merged_into",
    "unit",
    "due_at",
    "approver",
    "photos",
)
INPUTS = (REASON, OUTCOME, MERGED_INTO, UNIT, DUE_AT, APPROVER, NOTE, PHOTOS)


@dataclass(frozen=True)
class Transition:
    action: Action
    sources: frozenset[str]
    target: str
    who: tuple[str, ...]
    inputs: tuple[str, ...] = field(default=())
    needs: tuple[str, ...] = field(default=())  # of the inputs, those it cannot do without
    effect: Callable | None = None
    levels: tuple[str, ...] = field(default=())  # the case levels it applies at; empty: any
    note_label: str = ""  # the note's label on the page, when the note is optional there
    collapsed: bool = False  # on the page, folded even when it is the first thing one can do

    def __post_init__(self):
        # A needed input the page never shows could never be given.
        assert set(self.needs) <= set(self.inputs) <= set(INPUTS), self.action

    @property
    def label(self) -> str:
        return self.action.label

    def applies_to(self, case) -> bool:
        """Whether the case's state (and level) allow this move at all, whoever asks."""
        return case.status in self.sources and (not self.levels or case.level in self.levels)


_T = Transition
_OPEN_WORK = frozenset({Status.ACCEPTED, Status.DISPATCHED, Status.HANDLING})
_OPTIONAL_NOTE = _("Note (optional)")

TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in [
        _T(
            Action.ACCEPT,
            frozenset({Status.REPORTED}),
            Status.ACCEPTED,
            ("staff", "delegated_grid_worker"),
            # With a unit chosen, accepted and dispatched in one step (case_transition).
            (NOTE, UNIT, DUE_AT),
            note_label=_OPTIONAL_NOTE,
        ),
        _T(
            Action.REJECT,
            frozenset({Status.REPORTED}),
            Status.REJECTED,
            ("staff",),
            (REASON, OUTCOME),
            needs=(REASON, OUTCOME),
            effect=effects.reject,
        ),
        _T(
            Action.MERGE,
            frozenset({Status.REPORTED}),
            Status.MERGED,
            ("staff",),
            (MERGED_INTO,),
            needs=(MERGED_INTO,),
            effect=effects.merge,
        ),
        _T(
            Action.DISPATCH,
            frozenset({Status.ACCEPTED}),
            Status.DISPATCHED,
            ("staff", "delegated_grid_worker"),
            (UNIT, DUE_AT),
            needs=(UNIT,),
            effect=effects.dispatch,
        ),
        _T(
            Action.START,
            frozenset({Status.DISPATCHED}),
            Status.HANDLING,
            ("unit",),
            (NOTE,),
            note_label=_OPTIONAL_NOTE,
        ),
        _T(
            Action.RETURN,
            frozenset({Status.DISPATCHED}),
            Status.ACCEPTED,
            ("unit",),
            (REASON,),
            needs=(REASON,),
            effect=effects.return_to_community,
        ),
        _T(
            Action.REPORT_RESULT,
            frozenset({Status.HANDLING}),
            Status.HANDLED,
            ("unit",),
            (NOTE, PHOTOS),
            needs=(NOTE,),
            effect=effects.report_result,
        ),
        _T(
            Action.VERIFY,
            frozenset({Status.HANDLED}),
            Status.CLOSED,
            ("verifier",),
            (NOTE,),
            effect=effects.verify,
            note_label=_OPTIONAL_NOTE,
        ),
        _T(
            Action.VERIFY_FAILED,
            frozenset({Status.HANDLED}),
            Status.DISPATCHED,
            ("verifier",),
            (REASON,),
            needs=(REASON,),
            effect=effects.verify_failed,
        ),
        _T(
            Action.ESCALATE,
            _OPEN_WORK,
            SAME,
            ("community_staff",),
            effect=effects.escalate,
            levels=(Level.COMMUNITY,),
        ),
        _T(
            Action.SUSPEND,
            _OPEN_WORK,
            Status.SUSPENDED,
            ("staff",),
            (REASON, APPROVER),
            needs=(REASON, APPROVER),
            effect=effects.suspend,
        ),
        _T(Action.RESUME, frozenset({Status.SUSPENDED}), PREVIOUS, ("staff",), effect=effects.resume),
        _T(
            Action.REOPEN,
            frozenset({Status.CLOSED}),
            Status.DISPATCHED,
            # The reporter reopens by rating 不满意 (case_rate); staff may reopen directly.
            ("staff",),
            (REASON,),
            needs=(REASON,),
            effect=effects.reopen,
            # Reopening a closed case is rarely what the page's visitor came for.
            collapsed=True,
        ),
    ]
}


# The actions a person may take through the loop (the REST transitions endpoint's choices).
TRANSITION_ACTIONS = sorted(str(action) for action in TRANSITIONS)


def takes(name: str) -> list[str]:
    """The actions that take the input `name`, for the API's description of the field."""
    return [action for action, t in TRANSITIONS.items() if name in t.inputs]


def action_label(action: str) -> str:
    """The label of a timeline action; an unknown one (from an older release) as it is stored."""
    try:
        return str(Action(action).label)
    except ValueError:
        return action
