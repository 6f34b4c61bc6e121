from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlacesConfig(AppConfig):
    name = "huizhi.places"
    label = "places"
    verbose_name = _("places and organisations")

    def ready(self) -> None:
        # Registers this app's rules permissions (user.has_perm("places.…")).
        from huizhi.places import permissions  # noqa: F401
