from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AdminLookConfig(AppConfig):
    """Only templates: listed before django.contrib.admin so that its base_site.html is found first.

    Part of the site (the roof); it holds no models and imports nothing.
    """

    name = "huizhi.site.admin_look"
    label = "admin_look"
    verbose_name = _("huizhi administration")
