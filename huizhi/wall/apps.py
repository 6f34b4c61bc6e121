from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WallConfig(AppConfig):
    name = "huizhi.wall"
    label = "wall"
    verbose_name = _("problem wall")

    def ready(self) -> None:
        # Registers this app's rules permissions (user.has_perm("wall.…")).
        from huizhi.intake.duplicates import finders
        from huizhi.wall import permissions  # noqa: F401
        from huizhi.wall.duplicates import open_wall_items

        # The report pages offer open wall items beside open cases ("support this one instead");
        # intake sits below the wall, so the wall hands it the finder rather than being imported.
        finders.subscribe(open_wall_items)

        # A post's place on the walls reads its case's state: kept in the case's own transaction.
        from huizhi.cases import outbound as case_outbound
        from huizhi.wall.services import keep_visibility

        case_outbound.keep(keep_visibility)
