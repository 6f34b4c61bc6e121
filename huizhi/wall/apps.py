from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WallConfig(AppConfig):
    name = "huizhi.wall"
    label = "wall"
    verbose_name = _("problem wall")

    def ready(self) -> None:
        # Registers this app's rules permissions (user.has_perm("wall.…")).
        from huizhi.wall import permissions  # noqa: F401
