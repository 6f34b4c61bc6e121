"""Found and fixed on the spot (自行处置, DESIGN §15): a grid worker who solves a small problem at
once files it as a case of the patrol source that is closed as fixed, without dispatch.

The loop's table has no move from `reported` to `closed`, and no one should take such a move from a
case page; this one row exists only here, taken by the same transition machinery (state check,
actor rule, effect, event) in the same transaction as the report.
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from huizhi.accounts.roles import Role
from huizhi.accounts.scopes import scopes_of
from huizhi.cases import effects
from huizhi.cases.effects import Move, require
from huizhi.cases.models import Case, Category
from huizhi.cases.services.common import clean_photos, clean_text
from huizhi.cases.services.report import case_report
from huizhi.cases.services.transition import _apply, _locked
from huizhi.cases.states import Action, Source, Status
from huizhi.cases.transitions import NOTE, PHOTOS, Transition
from huizhi.places.models import Place

# Verify-and-close from `reported`: the grid worker of the case's grid is a verifier (never a
# handling unit), and the effect is verify's own (outcome fixed, closed now).
FIXED_ON_SPOT = Transition(
    Action.VERIFY,
    frozenset({Status.REPORTED}),
    Status.CLOSED,
    ("verifier",),
    (NOTE, PHOTOS),
    needs=(NOTE,),
    effect=effects.verify,
)


def case_fix_on_spot(
    *,
    actor,
    category: Category,
    title: str,
    description: str,
    done: str,
    place: Place,
    photos_before=(),
    photos_after=(),
    lon: float | None = None,
    lat: float | None = None,
) -> Case:
    """A closed (fixed) case of the patrol source at `place`, reported by `actor` with the before
    photos and closed by them with what was done and the after photos. Only the grid worker of the
    place's grid may; both photos are required, and nothing is saved when any part is refused."""
    require(
        place is not None and scopes_of(actor).covers(place.code, Role.GRID_WORKER, roles_only=True),
        _("Only the grid worker of this place can file a fix on the spot."),
        "not_allowed",
        field="place",
    )
    require(
        bool(photos_before), _("Add a photo from before the fix."), "missing_photo", field="photos_before"
    )
    require(bool(photos_after), _("Add a photo from after the fix."), "missing_photo", field="photos_after")
    done = clean_text(done, label=_("What was done"))
    # Checked before anything is written; the before photos are checked by case_report.
    after = clean_photos(photos_after)
    with transaction.atomic():
        case = case_report(
            actor=actor,
            category=category,
            title=title,
            description=description,
            source=Source.PATROL,
            place=place,
            lon=lon,
            lat=lat,
            photos=photos_before,
            within=scopes_of(actor).codes_for(Role.GRID_WORKER),
        )
        move = Move(actor=actor, now=timezone.now(), note=done, data={"on_spot": True})
        return _apply(_locked(case.pk), FIXED_ON_SPOT, move, after)
