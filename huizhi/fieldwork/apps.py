"""The grid worker's day in the street (DESIGN §15): patrols with check-ins, household visits
(走访 / 民情日志) on the cadence the community sets, and problems fixed on the spot (自行处置)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FieldworkConfig(AppConfig):
    name = "huizhi.fieldwork"
    label = "fieldwork"
    verbose_name = _("field work")

    def ready(self) -> None:
        from huizhi.fieldwork import permissions  # noqa: F401 — registers the rules permissions
