from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "huizhi.registry"
    label = "registry"
    verbose_name = _("registry of people and homes")

    def ready(self) -> None:
        # Registers this app's rules permissions (user.has_perm("registry.…")).
        from huizhi.registry import permissions  # noqa: F401
