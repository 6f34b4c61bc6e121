"""Systems outside the cases app that hear of every case event (the API app's webhooks), without
the cases app importing them: they subscribe here when their app is ready.

Keepers are different: an app above that stores a copy of something of the case (the wall's
flag "this post is on the wall", which reads the case's state) keeps it here. A keeper is called
in the same transaction before the subscribers and is not shielded: its error undoes the case's
change, so the copy and the case are saved together or not at all and the copy is never stale.

A subscriber is called inside the transaction that records the event, so what it keeps of the
event (a webhook's payload, frozen as the event happens) is saved with the event or not at all. It
must only write rows there and leave slow work (the network) to tasks it schedules with
`transaction.on_commit`, and may be called twice for one event (the first call undone): see
`announce`. One that fails is logged and never stops the case, nor the other subscribers.
"""

import logging
from collections.abc import Callable

from django.db import transaction

from huizhi.cases.models import CaseEvent
from huizhi.core.hooks import Subscribers

logger = logging.getLogger(__name__)

Subscriber = Callable[[CaseEvent], None]
_subscribers = Subscribers()
# A subscriber that hears of few events says which (`when`): the others cost it nothing, not even
# a call (nor, when no other subscriber wants the event, the savepoint pair the calls share).
_wants: dict[Subscriber, Callable[[CaseEvent], bool]] = {}


def subscribe(callback: Subscriber, *, when: Callable[[CaseEvent], bool] | None = None) -> Subscriber:
    """Call `callback(event)` for every event from now on, or only those `when(event)` is true of."""
    if when is not None:
        _wants[callback] = when
    return _subscribers.subscribe(callback)


def unsubscribe(callback: Subscriber) -> None:
    _wants.pop(callback, None)
    _subscribers.unsubscribe(callback)


_keepers = Subscribers()
keep = _keepers.subscribe
unkeep = _keepers.unsubscribe


def keep_copies(event: CaseEvent) -> None:
    """Hand `event` to every keeper, in the caller's transaction; an error propagates."""
    for keeper in _keepers:
        keeper(event)


def announce(event: CaseEvent) -> None:
    """Tell every subscriber of `event`; a failing one is logged and the others still hear of it.

    All of them in one savepoint first: each in its own cost two round trips a subscriber on every
    event (a report has two). Only when one fails is that undone and each told again in its own,
    so the failing one is logged and loses its rows, and the others keep theirs."""
    wanted = [subscriber for subscriber in _subscribers if _wants_event(subscriber, event)]
    if not wanted:
        return
    if _tell_together(wanted, event):
        return
    for subscriber in wanted:
        try:
            with transaction.atomic():
                subscriber(event)
        except Exception:
            logger.exception(
                "Case event %s (%s): subscriber %s failed", event.pk, event.action, subscriber.__qualname__
            )


def _tell_together(subscribers: list[Subscriber], event: CaseEvent) -> bool:
    """Whether every one of `subscribers` heard of `event` in one savepoint; if one failed, all of
    it is undone (and `announce` tells them again one by one, logging the failure there)."""
    try:
        with transaction.atomic():
            for subscriber in subscribers:
                subscriber(event)
                if transaction.get_rollback():
                    # It undid its own work without raising (caught a database error, or asked
                    # for the rollback): leaving the savepoint would undo the others' too.
                    raise _UndoneBySubscriber(subscriber.__qualname__)
    except Exception:
        logger.warning(
            "Case event %s (%s): its subscribers are told again one by one",
            event.pk,
            event.action,
            exc_info=True,
        )
        return False
    return True


class _UndoneBySubscriber(Exception):
    """A subscriber left the shared savepoint marked for rollback."""


def _wants_event(subscriber: Subscriber, event: CaseEvent) -> bool:
    """Asked before any savepoint: an event its subscriber has nothing to do with costs nothing."""
    wants = _wants.get(subscriber)
    try:
        return wants is None or wants(event)
    except Exception:
        logger.exception(
            "Case event %s (%s): subscriber %s failed", event.pk, event.action, subscriber.__qualname__
        )
        return False
