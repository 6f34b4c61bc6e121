"""Followers hear of their place's public wall items: new ones, and what became of them.

The wall's outbound seam (huizhi.wall.outbound) announces only what a subscriber must do inside the
triage (an item sent to a meeting). What followers hear is told after the wall's own change is
committed and must never undo it, so this app listens to the wall's timeline instead — every
change of a post appends a PostEvent — and to the case loop's outbound for the case of a wall item
closing. Both hand the telling to a task queued with the transaction; nothing here can fail a post.
"""

import logging

from django.db.models.signals import post_save
from django.utils.translation import gettext as _

from huizhi.cases import outbound as case_outbound
from huizhi.cases.states import Source, Status
from huizhi.core.tasks import enqueue_with_transaction
from huizhi.notices.delivery import followed_ancestors, tell_followers

logger = logging.getLogger(__name__)

# What each of the wall's timeline actions means to a follower (the others are not public news).
WALL_NEWS = {
    "published": "new",
    "published_by_moderator": "new",
    "triage_case": "case",
    "triage_agenda": "agenda",
    "triage_answer": "answered",
    "responded": "answered",
}


def _message(post, news: str) -> str:
    where = post.place.label
    values = {"place": where, "ref": post.reference, "title": post.title[:40]}
    return {
        "new": _("New on the problem wall at %(place)s: %(ref)s “%(title)s”"),
        "case": _("%(place)s: %(ref)s “%(title)s” is being dealt with as a case"),
        "agenda": _("%(place)s: %(ref)s “%(title)s” goes to a consultation meeting"),
        "answered": _("%(place)s: %(ref)s “%(title)s” has an answer on the echo wall"),
        "closed": _("%(place)s: %(ref)s “%(title)s” has been dealt with (case closed)"),
    }[news] % values


def _queue(post, news: str, actor_id=None) -> None:
    if not followed_ancestors(post.place_code):
        return  # an item placed only at its grid has no compound or building to follow
    exclude = [uid for uid in (post.author_id, actor_id) if uid]
    enqueue_with_transaction(tell_followers, post.place_code, _message(post, news), exclude)


def on_post_event(sender, instance, created, raw=False, **kwargs) -> None:
    """A wall timeline row: tell followers of public news (never of a draft, hold or rejection)."""
    news = WALL_NEWS.get(instance.action)
    if not created or raw or news is None:
        return
    try:
        _queue(instance.post, news, instance.actor_id)
    except Exception:  # followers' news never stops the wall
        logger.exception("Telling followers of wall event %s failed", instance.pk)


def closes_the_case(event) -> bool:
    return event.to_status == Status.CLOSED and event.from_status != Status.CLOSED


def on_case_event(event) -> None:
    """A case outbound subscriber (of events that close a case): the case of a wall item closed."""
    case = event.case
    if case.source != Source.WALL:
        return
    post = getattr(case, "post", None)
    if post is not None:
        _queue(post, "closed", event.actor_id)


def connect() -> None:
    from huizhi.wall.models import PostEvent

    post_save.connect(on_post_event, sender=PostEvent, dispatch_uid="notices.on_post_event")
    case_outbound.subscribe(on_case_event, when=closes_the_case)
