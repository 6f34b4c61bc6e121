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

A subscriber whose copy may lag the event by a moment (intake's records of each report, the
duplicate lookup's signatures) subscribes in batches: where the event's notices are queued for
the task worker, it hears of events there, after their commit and many at a time, so a filing
pays nothing for it (its rows cost a filing as much CPU as the roll-ups did). Where tasks run in
this process (a laptop, the tests), there is no worker to batch for, and it is told of each event
in the event's transaction with the other subscribers.
"""

import logging
from collections.abc import Callable

from django.db import transaction

from huizhi.cases.models import CaseEvent
from huizhi.core.hooks import Subscribers

logger = logging.getLogger(__name__)

Subscriber = Callable[[CaseEvent], None]
BatchSubscriber = Callable[[list[CaseEvent]], None]
_subscribers = Subscribers()
_batch_subscribers = Subscribers()
# A subscriber that hears of few events says which (`when`): the others cost it nothing, not even
# a call (nor, when no other subscriber wants the event, the savepoint pair the calls share).
_wants: dict[Subscriber | BatchSubscriber, Callable[[CaseEvent], bool]] = {}


def subscribe(callback: Subscriber, *, when: Callable[[CaseEvent], bool] | None = None) -> Subscriber:
    """Call `callback(event)` for every event from now on, or only those `when(event)` is true of."""
    return _add(_subscribers, callback, when)


def unsubscribe(callback: Subscriber) -> None:
    _remove(_subscribers, callback)


def subscribe_in_batches(
    callback: BatchSubscriber, *, when: Callable[[CaseEvent], bool] | None = None
) -> BatchSubscriber:
    """Call `callback(events)` for events from now on (or those `when(event)` is true of), many at
    a time in the task worker where there is one (see the module's docstring). Each event carries
    its case as it is now, which later events may have moved on from the event (the worker holds
    the cases locked until its batch commits): what the callback keeps must follow from the case as
    it is, and be the same if it is told of an event twice."""
    return _add(_batch_subscribers, callback, when)


def unsubscribe_in_batches(callback: BatchSubscriber) -> None:
    _remove(_batch_subscribers, callback)


def _add(subscribers: Subscribers, callback, when):
    if when is not None:
        _wants[callback] = when
    return subscribers.subscribe(callback)


def _remove(subscribers: Subscribers, callback) -> None:
    _wants.pop(callback, None)
    subscribers.unsubscribe(callback)


_keepers = Subscribers()
keep = _keepers.subscribe
unkeep = _keepers.unsubscribe


def keep_copies(event: CaseEvent) -> None:
    """Hand `event` to every keeper, in the caller's transaction; an error propagates."""
    for keeper in _keepers:
        keeper(event)


def announce(event: CaseEvent, *, batches_later: bool = False) -> None:
    """Tell every subscriber of `event`; a failing one is logged and the others still hear of it.
    The batch subscribers too, unless `batches_later`: the caller queued the event for the task
    worker, which tells them (`tell_in_batches`).

    All of them in one savepoint first: each in its own cost two round trips a subscriber on every
    event (a report has two). Only when one fails is that undone and each told again in its own,
    so the failing one is logged and loses its rows, and the others keep theirs."""
    wanted = [subscriber for subscriber in _subscribers if _wants_event(subscriber, event)]
    if not batches_later:
        wanted += [_OfOne(batch) for batch in _batch_subscribers if _wants_event(batch, event)]
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


class _OfOne:
    """A batch subscriber told of one event, as a subscriber is (its name kept for the log)."""

    def __init__(self, batch: BatchSubscriber):
        self.batch = batch
        self.__qualname__ = batch.__qualname__

    def __call__(self, event: CaseEvent) -> None:
        self.batch([event])


def tell_in_batches(events: list[CaseEvent]) -> None:
    """Tell each batch subscriber of those of `events` it wants (the task worker, after their
    commit; each event with its case). Each in a savepoint of its own: one that fails is told of
    the events again one by one, so only the event it fails on loses its rows, and is logged."""
    for batch in _batch_subscribers:
        wanted = [event for event in events if _wants_event(batch, event)]
        if not wanted or _told(batch, wanted, quietly=True):
            continue
        for event in wanted:
            _told(batch, [event])


def _told(batch: BatchSubscriber, events: list[CaseEvent], *, quietly: bool = False) -> bool:
    try:
        with transaction.atomic():
            batch(events)
    except Exception:
        (logger.warning if quietly else logger.error)(
            "Case events %s: subscriber %s failed%s",
            ", ".join(f"{event.pk} ({event.action})" for event in events),
            batch.__qualname__,
            "; told again one by one" if quietly else "",
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
