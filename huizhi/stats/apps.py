from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StatsConfig(AppConfig):
    name = "huizhi.stats"
    label = "stats"
    verbose_name = _("statistics")

    def ready(self) -> None:
        # Registers this app's rules permissions (user.has_perm("stats.…")).
        from huizhi.stats import permissions  # noqa: F401
