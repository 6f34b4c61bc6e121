"""What a user's roles reach. Every `<entities>_visible_to(user)` is built on `place_scope_q`."""

from dataclasses import dataclass

from django.db.models import Q

from huizhi.accounts.roles import CONSOLE_ROLES
from huizhi.places.codes import codes_q, subtree_q  # noqa: F401 — code arithmetic lives with the codes


@dataclass(frozen=True)
class Scopes:
    roles: frozenset[str]
    place_codes: tuple[str, ...]  # roots of the place subtrees the user's place-held roles reach
    organisation_ids: frozenset[int]
    group_ids: frozenset[int]
    sees_everything: bool = False
    # (role, place code) and (role, organisation id) pairs, for rules that depend on the role.
    role_places: frozenset[tuple[str, str]] = frozenset()
    role_organisations: frozenset[tuple[str, int]] = frozenset()

    def codes_for(self, *roles: str) -> tuple[str, ...]:
        return tuple(code for role, code in self.role_places if role in roles)

    def organisations_for(self, *roles: str) -> frozenset[int]:
        return frozenset(org for role, org in self.role_organisations if role in roles)


_NOBODY = Scopes(frozenset(), (), frozenset(), frozenset())


def scopes_of(user) -> Scopes:
    """The user's scopes, read once per request (kept on the user object)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return _NOBODY
    cached = getattr(user, "_huizhi_scopes", None)
    if cached is not None:
        return cached
    assignments = list(user.roles.select_related("place").all())
    codes = sorted({a.place.code for a in assignments if a.place_id})
    # Drop a root that lies inside another root: it adds nothing and lengthens every query.
    roots = tuple(c for c in codes if not any(c != other and c.startswith(other) for other in codes))
    scopes = Scopes(
        roles=frozenset(a.role for a in assignments),
        place_codes=roots,
        organisation_ids=frozenset(a.organisation_id for a in assignments if a.organisation_id),
        group_ids=frozenset(a.group_id for a in assignments if a.group_id),
        sees_everything=user.is_superuser,
        role_places=frozenset((a.role, a.place.code) for a in assignments if a.place_id),
        role_organisations=frozenset((a.role, a.organisation_id) for a in assignments if a.organisation_id),
    )
    user._huizhi_scopes = scopes
    return scopes


def place_scope_q(user, code_field: str = "code") -> Q:
    """A filter for rows whose place code (`code_field`) lies in the user's place subtrees.

    Matches nothing for a user without place-held roles; everything for a superuser.
    """
    scopes = scopes_of(user)
    if scopes.sees_everything:
        return Q()
    if not scopes.place_codes:
        return Q(pk__in=[])
    q = Q()
    for code in scopes.place_codes:
        q |= subtree_q(code, code_field)
    return q


def code_in_scope(user, code: str) -> bool:
    scopes = scopes_of(user)
    return scopes.sees_everything or any(code.startswith(root) for root in scopes.place_codes)


def has_console_role(user) -> bool:
    scopes = scopes_of(user)
    return scopes.sees_everything or bool(scopes.roles & CONSOLE_ROLES)
