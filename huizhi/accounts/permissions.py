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


rules.add_perm("accounts.use_console", can_use_console)
rules.add_perm("accounts.use_phone_pages", can_use_phone_pages)
