from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "huizhi.core"
    label = "core"
    verbose_name = _("core")

    def ready(self):
        from huizhi.core import (
            checks,  # noqa: F401 — registers the deploy check of the keys
            preparedplans,  # noqa: F401 — connects its wrapper to new connections
        )
