from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeetingsConfig(AppConfig):
    name = "huizhi.meetings"
    label = "meetings"
    verbose_name = _("consultation")

    def ready(self) -> None:
        from huizhi.meetings import permissions  # noqa: F401 — registers the rules permissions
        from huizhi.wall import outbound

        outbound.subscribe(_schedule_from_wall)


def _schedule_from_wall(event) -> None:
    """The wall's "提交协商议事": the item joins its community's list of matters for consultation."""
    if event.action == "agenda":
        from huizhi.meetings.services import agenda_item_from_post

        agenda_item_from_post(actor=event.actor, post=event.post, note=event.note)
