from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StatsConfig(AppConfig):
    name = "huizhi.stats"
    label = "stats"
    verbose_name = _("statistics")

    def ready(self) -> None:
        # Registers this app's rules permissions (user.has_perm("stats.…")).
        from huizhi.cases import outbound
        from huizhi.stats import permissions  # noqa: F401
        from huizhi.stats.rollups import keep_case_figures

        # A keeper, not a subscriber: the daily sums are a copy of the cases' state and must be
        # saved with the case's change or not at all (an error undoes both), never drift.
        outbound.keep(keep_case_figures)
