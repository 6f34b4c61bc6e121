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
