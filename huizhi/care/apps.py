from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CareConfig(AppConfig):
    name = "huizhi.care"
    label = "care"
    verbose_name = _("care and services")

    def ready(self) -> None:
        # Registers this app's rules permissions (user.has_perm("care.…")).
        from huizhi.care import permissions  # noqa: F401
