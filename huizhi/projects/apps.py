from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    name = "huizhi.projects"
    label = "projects"
    verbose_name = _("projects and lists")

    def ready(self) -> None:
        from huizhi.projects import permissions  # noqa: F401 — registers the rules permissions
