from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "huizhi.registry"
    label = "registry"
    verbose_name = _("registry of people and homes")

    def ready(self) -> None:
        # Registers this app's rules permissions (user.has_perm("registry.…")).
        from huizhi.core.reveals import reveal_loggers
        from huizhi.registry import permissions  # noqa: F401
        from huizhi.registry.services.privacy import log_outside_reveal

        # Reveals made by other apps (a case's reporter called) go to this app's access log.
        reveal_loggers.subscribe(log_outside_reveal)
