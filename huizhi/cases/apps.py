from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "huizhi.cases"
    label = "cases"
    verbose_name = _("cases")

    def ready(self) -> None:
        # Registers this app's rules permissions (user.has_perm("cases.…")).
        from huizhi.cases import permissions  # noqa: F401
