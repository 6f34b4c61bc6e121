"""Apps above the wall that act on what happens to a post (the meetings app schedules an item sent to
consultation), without the wall importing them: they subscribe here when their app is ready.

Unlike the case loop's outbound (webhooks, where one failing listener must not stop the case), a
subscriber here does part of the change itself: a post marked "on a meeting agenda" with no agenda
item behind it would be half-saved. So subscribers run inside the triage's transaction and an error
in one undoes the whole triage.
"""

from collections.abc import Callable
from dataclasses import dataclass

from huizhi.core.hooks import Subscribers


@dataclass(frozen=True)
class PostEvent:
    """What happened to a post: `action` ("agenda": sent to a consultation meeting), by whom, with
    the staff's note."""

    action: str
    post: object  # huizhi.wall.models.Post
    actor: object
    note: str = ""


Subscriber = Callable[[PostEvent], None]
_subscribers = Subscribers()
subscribe = _subscribers.subscribe
unsubscribe = _subscribers.unsubscribe


def has_subscribers() -> bool:
    return bool(_subscribers)


def announce(event: PostEvent) -> None:
    """Tell every subscriber of `event`, in the caller's transaction; an error propagates."""
    for subscriber in _subscribers:
        subscriber(event)
