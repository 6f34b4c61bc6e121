from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SiteConfig(AppConfig):
    """The roof of the layers: navigation, the front page and console home, and the demo street.
    It may import every app, and no app imports it (huizhi/site/tests/test_layers.py)."""

    name = "huizhi.site"
    label = "site"
    verbose_name = _("site")
