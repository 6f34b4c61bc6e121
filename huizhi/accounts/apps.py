from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "huizhi.accounts"
    label = "accounts"
    verbose_name = _("accounts and roles")

    def ready(self) -> None:
        # Registers this app's rules permissions (user.has_perm("accounts.…")).
        from huizhi.accounts import (
            permissions,  # noqa: F401
            place_permissions,  # noqa: F401 — "places.view_place"
        )
