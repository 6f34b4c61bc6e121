from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlacesConfig(AppConfig):
    name = "huizhi.places"
    label = "places"
    verbose_name = _("places and organisations")
    # Its rules permission ("places.view_place") reads users' roles, so accounts registers it
    # (accounts/place_permissions.py): the place tree stands below accounts.
