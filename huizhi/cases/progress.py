"""A case's progress as a resident reads it: who did what, and when, in plain words (issue 19).

The staff timeline names each actor and every internal step (supervision, clock warnings, routing).
A resident, and the public wall, read only the steps that answer "what happened to my report":
each by the community or the handling unit by its name, never by a staff member's own name; the
reporter is "you" to themselves and no one by name to anyone else.
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Prefetch
from django.utils.translation import gettext as _

from huizhi.cases.models import Case, CaseEvent, CasePhoto
from huizhi.cases.states import Action, Rating, Source
from huizhi.core.text import mask_typed_personal_numbers

# The steps a resident reads, each as a sentence about who did it ("%(who)s").
SENTENCES = {
    Action.REPORT: lambda: _("%(who)s reported it"),
    Action.ACCEPT: lambda: _("%(who)s accepted it"),
    Action.REJECT: lambda: _("%(who)s did not accept it"),
    Action.MERGE: lambda: _("%(who)s joined it to an earlier report of the same problem"),
    Action.DISPATCH: lambda: _("%(who)s asked %(unit)s to handle it"),
    Action.START: lambda: _("%(who)s started work on it"),
    Action.RETURN: lambda: _("%(who)s handed it back to the community"),
    Action.REPORT_RESULT: lambda: _("%(who)s reported what was done"),
    Action.VERIFY: lambda: _("%(who)s checked the work and closed it"),
    Action.VERIFY_FAILED: lambda: _("%(who)s checked the work and asked for it to be redone"),
    Action.ESCALATE: lambda: _("%(who)s passed it to the street to coordinate"),
    Action.SUSPEND: lambda: _("%(who)s paused it"),
    Action.RESUME: lambda: _("%(who)s resumed it"),
    Action.REOPEN: lambda: _("%(who)s reopened it"),
    Action.RATE: lambda: _("%(who)s rated it: %(rating)s"),
}
# Done by the handling unit; every other step by the community (its staff, grid worker, street).
UNIT_ACTIONS = frozenset({Action.START, Action.RETURN, Action.REPORT_RESULT})
# Steps whose note is written to the resident: the answer on accepting or refusing, the result.
NOTE_ACTIONS = frozenset({Action.ACCEPT, Action.REJECT, Action.REPORT_RESULT, Action.SUSPEND})


@dataclass(frozen=True)
class Step:
    at: datetime
    action: str
    text: str
    note: str = ""  # only on NOTE_ACTIONS, and only for the reporter
    photos: list[CasePhoto] = field(default_factory=list)  # the result's 'after' photos, reporter only


def reads_as_resident(user, case: Case) -> bool:
    """Whether `user` reads `case` as its reporter and nothing more: no role of theirs covers it."""
    from huizhi.cases.permissions import cases_in_work_scope

    if not getattr(user, "is_authenticated", False) or case.reporter_id != user.pk:
        return False
    return not cases_in_work_scope(user).filter(pk=case.pk).exists()


def _reporter_word(case: Case, event: CaseEvent, for_reporter: bool) -> str:
    if for_reporter and event.actor_id and event.actor_id == case.reporter_id:
        return _("You")
    return {
        Source.WALL: _("A resident"),
        Source.PATROL: _("The grid worker"),
        Source.VISIT: _("The grid worker"),
        Source.HOTLINE: _("The hotline"),
    }.get(case.source, _("The community"))


def _who(case: Case, event: CaseEvent, for_reporter: bool) -> str:
    if event.action in (Action.REPORT, Action.RATE):
        return _reporter_word(case, event, for_reporter)
    if event.action in UNIT_ACTIONS:
        unit = event.data.get("unit_name") or (case.handling_unit.name if case.handling_unit_id else "")
        return unit or _("The handling unit")
    return case.community.name if case.community_id else _("The community")


def case_progress(case: Case, *, for_reporter: bool) -> list[Step]:
    """The steps of `case` a resident reads, oldest first: for its reporter (`for_reporter`) with
    the notes written to them and the result's photos; for anyone else the sentences alone."""
    events = case.events.filter(action__in=list(SENTENCES)).order_by("created_at", "id")
    if for_reporter:
        events = events.prefetch_related(Prefetch("photos", queryset=CasePhoto.objects.order_by("id")))
    steps = []
    for event in events:
        words = {"who": _who(case, event, for_reporter)}
        if event.action == Action.DISPATCH:
            words["unit"] = event.data.get("unit_name") or _("the handling unit")
        if event.action == Action.RATE:
            rating = event.data.get("rating", "")
            words["rating"] = str(Rating(rating).label) if rating in Rating.values else rating
        steps.append(
            Step(
                at=event.created_at,
                action=event.action,
                text=SENTENCES[event.action]() % words,
                # Written by staff or a unit: a number typed into it is masked, as everywhere
                # text leaves the console (the API, webhooks, the public wall).
                note=mask_typed_personal_numbers(event.note)
                if for_reporter and event.action in NOTE_ACTIONS
                else "",
                photos=list(event.photos.all())
                if for_reporter and event.action == Action.REPORT_RESULT
                else [],
            )
        )
    return steps
