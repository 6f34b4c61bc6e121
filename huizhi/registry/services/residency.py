"""A resident with an account says where they live; community staff confirm it (DESIGN §5).

The resident types a room and their name and sees nothing of the registry; staff match the
claim to a registered person of that household, which links the person to the account.
"""

import re
import unicodedata

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from huizhi.core.errors import Refusal
from huizhi.places.kinds import PlaceKind
from huizhi.places.models import Place
from huizhi.registry.models import ResidencyClaim, Resident
from huizhi.registry.permissions import can_decide_claim


class ResidencyError(Refusal):
    """A refused claim or decision: not_allowed, wrong_state, already, bad_input."""


def _room_key(room: str) -> str:
    """'１单元 302室' and '1单元302' name one room: full-width folded, spaces, 室 and 号 dropped."""
    return re.sub(r"[\s室号]", "", unicodedata.normalize("NFKC", room))


def _find_room(building: Place, room: str) -> Place | None:
    """The room as written, or else the building's only room with that number ('302' when there
    is a single 302, in whichever entrance)."""
    key = _room_key(room)
    units = list(Place.objects.filter(parent=building, kind=PlaceKind.UNIT).only("pk", "name", "code"))
    exact = [u for u in units if _room_key(u.name) == key]
    if exact:
        return exact[0]
    by_number = [u for u in units if key.isdigit() and _room_key(u.name).endswith(key)]
    return by_number[0] if len(by_number) == 1 else None


@transaction.atomic
def residency_claim(*, actor, building: Place, room: str, name: str) -> ResidencyClaim:
    """A pending claim on a room that exists in the building; one pending claim per account."""
    room, name = (room or "").strip(), (name or "").strip()
    if building is None or building.kind != PlaceKind.BUILDING:
        raise ResidencyError(_("Choose your building."))
    if not room or len(room) > 20:
        raise ResidencyError(_("Write your room number, e.g. 302."))
    if not name or len(name) > 40:
        raise ResidencyError(_("Write your full name as registered."))
    unit = _find_room(building, room)
    if unit is None:
        raise ResidencyError(
            _("There is no room %(room)s in %(building)s. Write it as on your door, e.g. 1单元302.")
            % {"room": _room_key(room), "building": building}
        )
    if ResidencyClaim.objects.filter(user=actor, status=ResidencyClaim.Status.PENDING).exists():
        raise ResidencyError(_("You already have a claim waiting for confirmation."), code="already")
    return ResidencyClaim.objects.create(user=actor, unit=unit, place_code=unit.code, name_given=name)


@transaction.atomic
def residency_decide(*, actor, claim_id: int, resident: Resident | None, reason: str = "") -> ResidencyClaim:
    """Confirm (linking `resident` of the claimed room to the account) or reject with a reason."""
    claim = ResidencyClaim.objects.select_for_update().select_related("unit").filter(pk=claim_id).first()
    if not can_decide_claim(actor, claim):
        raise ResidencyError(_("You cannot decide this claim."), code="not_allowed")
    if claim.status != ResidencyClaim.Status.PENDING:
        raise ResidencyError(_("This claim has already been decided."), code="wrong_state")
    if resident is not None:
        if resident.household.unit_id != claim.unit_id:
            raise ResidencyError(_("That person is not registered in the claimed room."))
        if resident.account_id not in (None, claim.user_id):
            raise ResidencyError(_("That person is already linked to another account."))
        resident.account = claim.user
        resident.save(update_fields=["account", "updated_at"])
        claim.status, claim.resident = ResidencyClaim.Status.CONFIRMED, resident
    else:
        reason = (reason or "").strip()
        if not reason:
            raise ResidencyError(_("Say why the claim is rejected; the resident sees it."))
        claim.status, claim.reason = ResidencyClaim.Status.REJECTED, reason[:200]
    claim.decided_by, claim.decided_at = actor, timezone.now()
    claim.save(update_fields=["status", "resident", "reason", "decided_by", "decided_at"])
    return claim
