"""What a user's roles reach, and the one rule for asking it.

Every permission question about places goes through a `Scopes`: `covers(code, *roles)` for one
place, `holds(*roles)` for "anywhere at all", `q(field, *roles)` for a queryset filter. Naming no
role means any place-held role. A superuser reaches everything unless the caller passes
`roles_only=True`, which it does where a right belongs to the role itself (a grid worker's phone,
a representative's claim) rather than to whoever may see everything.
"""

from dataclasses import dataclass

from django.db.models import Q

from huizhi.accounts.roles import CONSOLE_ROLES
from huizhi.places.codes import codes_q, is_within, subtree_q  # noqa: F401 — code arithmetic lives with the codes


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

    def _roots(self, roles: tuple[str, ...]) -> tuple[str, ...]:
        # No role named: every place-held role (also an integrating system's key place, which
        # comes as `place_codes` with no role attached).
        return self.codes_for(*roles) if roles else self.place_codes

    def covers(self, code: str, *roles: str, roles_only: bool = False) -> bool:
        """Whether one of `roles` (any place-held role when none is named) is held over `code`'s
        place or a place above it. A superuser is covered everywhere unless `roles_only`."""
        if self.sees_everything and not roles_only:
            return True
        return any(is_within(code, root) for root in self._roots(roles))

    def holds(self, *roles: str, roles_only: bool = False) -> bool:
        """Whether one of `roles` (any place-held role when none is named) is held over some place;
        read off the roles alone, no query. A superuser holds every role unless `roles_only`."""
        if self.sees_everything and not roles_only:
            return True
        return bool(self._roots(roles))

    def q(self, field: str, *roles: str, roles_only: bool = False) -> Q:
        """Rows whose place code (`field`) lies where one of `roles` (any place-held role when none
        is named) is held; nothing without such a role, everything for a superuser unless
        `roles_only`.

        The superuser's everything is an empty Q, which OR-ing with another Q drops: a caller that
        widens the filter with `|` answers the superuser before building it."""
        if self.sees_everything and not roles_only:
            return Q()
        return codes_q(self._roots(roles), field)


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
    roots = tuple(c for c in codes if not any(c != other and is_within(c, other) for other in codes))
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

    Matches nothing for a user without place-held roles; everything for a superuser."""
    return scopes_of(user).q(code_field)


def code_in_scope(user, code: str) -> bool:
    """Whether `code` lies in the user's place subtrees (always, for a superuser)."""
    return scopes_of(user).covers(code)


def has_console_role(user) -> bool:
    scopes = scopes_of(user)
    return scopes.sees_everything or bool(scopes.roles & CONSOLE_ROLES)
