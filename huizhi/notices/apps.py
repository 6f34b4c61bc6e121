from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NoticesConfig(AppConfig):
    name = "huizhi.notices"
    label = "notices"
    verbose_name = _("area notices")

    def ready(self) -> None:
        from huizhi.notices import (
            alerts,
            permissions,  # noqa: F401 — registers the rules permissions
        )

        alerts.connect()
