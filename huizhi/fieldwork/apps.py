from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FieldworkConfig(AppConfig):
    name = "huizhi.fieldwork"
    label = "fieldwork"
    verbose_name = _("field work")
