import rules

from huizhi.accounts.roles import Role
from huizhi.accounts.scopes import has_console_role, scopes_of


@rules.predicate
def can_use_console(user) -> bool:
    """Staff roles work in the console; residents and liaisons do not."""
    return has_console_role(user)


@rules.predicate
def can_use_phone_pages(user) -> bool:
    scopes = scopes_of(user)
    return bool(scopes.roles & {Role.GRID_WORKER, Role.BUILDING_LIAISON})


@rules.predicate
def can_view_places(user) -> bool:
    """Pages about places (the street overview, grids, recurring problems, meeting places) are for
    those who hold a role over a place; a handling unit or an operator works on its own cases."""
    return scopes_of(user).holds()


rules.add_perm("accounts.use_console", can_use_console)
rules.add_perm("accounts.view_places", can_view_places)
rules.add_perm("accounts.use_phone_pages", can_use_phone_pages)
