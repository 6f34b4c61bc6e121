"""Who an API request acts as: a user (by token) or an integrating system (by API key)."""

from dataclasses import dataclass

from huizhi.accounts.scopes import Scopes
from huizhi.api.models import ApiKey


@dataclass
class SystemClient:
    """An integrating system, seen by the permission helpers as an actor over its key's place.

    It holds no staff role: it can file cases and read those in its scope, never move them."""

    key: ApiKey
    is_authenticated: bool = True
    is_active: bool = True
    is_superuser: bool = False
    pk: None = None

    def __post_init__(self):
        self._huizhi_scopes = Scopes(
            roles=frozenset(),
            place_codes=(self.key.place.code,),
            organisation_ids=frozenset(),
            group_ids=frozenset(),
        )

    def __str__(self) -> str:
        return self.key.name

    # Django's permission questions (asked by shared pages such as the navigation): a system holds
    # no Django permission; what it may do is its key's scope.
    def has_perm(self, perm, obj=None) -> bool:
        return False

    def has_perms(self, perm_list, obj=None) -> bool:
        return False

    def has_module_perms(self, app_label) -> bool:
        return False
