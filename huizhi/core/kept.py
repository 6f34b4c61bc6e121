"""Rows that change rarely (the grids' polygons, intake's categories and keywords), kept in each
process so that a hot path — every report filed — reads them without a query.

Each copy has a version in the shared cache: a writer replaces it (after its commit) and drops its
own process's copy at once; every other process sees the new version at its next check, at most
`check_every` seconds later, so a lookup costs no round trip to Redis either. Without Redis (the
laptop's in-process cache) there is one process and dropping its copy is enough. A copy is also
loaded afresh once it is `max_age` seconds old: a write made while Redis was down set no version
(the cache fails open), and the other processes would otherwise keep the old rows forever.

No version in the shared cache is no news, not a change: Redis down (the cache answers as if
empty) or restarted empty. Were it a change, every process would reload every copy at once the
moment Redis stopped — at a million cases the grids' index alone is hundreds of milliseconds in
each worker, and the soak saw those seconds shed as 503s. A version is a fresh token, never a
counter: a counter starts again at 1 in a restarted Redis and could match the number a process
holds, hiding a change until the copy is old.

`shared_copy` is the other kind: a value costly to make (a statistics board, the sums of past
days), made by one process and kept in the shared cache for every other for some seconds."""

import threading
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Generic, TypeVar

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save

T = TypeVar("T")

_every: list["KeptCopy"] = []


class KeptCopy(Generic[T]):
    def __init__(
        self, version_key: str, load: Callable[[], T], *, check_every: float = 1.0, max_age: float = 300.0
    ):
        self.version_key = version_key
        self.load = load
        self.check_every = check_every
        self.max_age = max_age
        self._lock = threading.Lock()
        self._value: T | None = None
        self._version = None
        self._checked_at = 0.0
        self._loaded_at = 0.0
        _every.append(self)

    def get(self) -> T:
        """This process's copy: loaded when missing, reloaded when another process said it changed."""
        now = time.monotonic()
        if self._value is not None and now - self._checked_at < self.check_every:
            return self._value
        with self._lock:
            version = cache.get(self.version_key)
            if not self._current(version, now):
                self._value = self.load()
                self._version = version
                self._loaded_at = now
            self._checked_at = now
            return self._value

    def peek(self) -> T | None:
        """This process's copy if it is current (the shared version checked as get() checks it), else
        None; never loads. For a caller that must not query: one inside another's transaction but
        outside a savepoint, where a failed load would abort the whole transaction on PostgreSQL; it
        leaves the load to a get() inside a savepoint."""
        now = time.monotonic()
        if self._value is not None and now - self._checked_at < self.check_every:
            return self._value
        with self._lock:
            if not self._current(cache.get(self.version_key), now):
                return None
            self._checked_at = now
            return self._value

    def _current(self, version, now: float) -> bool:
        """Whether this process's copy is the one to use: loaded, young, and of the shared `version`
        (None, no version in the shared cache, says nothing: see the module docstring)."""
        return (
            self._value is not None
            and (version is None or version == self._version)
            and now - self._loaded_at < self.max_age
        )

    def drop(self) -> None:
        """Forget this process's copy (the next get() loads it): right after a write, which a later
        read in this process must see even before the write's transaction commits."""
        with self._lock:
            self._value = None

    def follows(self, *models) -> None:
        """Keep up with every save and delete of `models`' rows, whoever writes them (services, the
        admin, loaders): this process at once, the others after the write's commit. A queryset's
        update() sends no signal: its writer calls changed() itself."""
        for model in models:
            uid = f"{self.version_key}:{model._meta.label}"
            post_save.connect(self._row_written, sender=model, weak=False, dispatch_uid=f"{uid}:save")
            post_delete.connect(self._row_written, sender=model, weak=False, dispatch_uid=f"{uid}:delete")

    def _row_written(self, **_signal) -> None:
        self.drop()  # this process reads its own write at once, committed or not
        transaction.on_commit(self.changed)  # the others at their next check

    def changed(self) -> None:
        """Tell every process the rows changed: call after the write's commit."""
        self.announce()
        self.drop()

    def announce(self) -> None:
        """Give the rows a new version in the shared cache, which the other processes see at their
        next check; this process's copy is left alone (`changed` drops it too)."""
        cache.set(self.version_key, uuid.uuid4().hex, timeout=None)


def drop_all() -> None:
    """Forget every copy in this process (tests: a rolled-back test leaves no copy behind)."""
    for copy in _every:
        copy.drop()


def shared_copy(
    name: str, now: datetime, seconds: int, make: Callable[[], T], made_at: Callable[[T], datetime]
) -> T:
    """The value kept in the shared cache under `name` while it is younger than `seconds` at `now`,
    else `make()`'s, kept for the next. Its age is read from the value (`made_at`), not left to the
    cache's expiry: the cache's clock (Redis's) is not the one the value is stamped with."""
    kept = cache.get(name)
    if kept is not None and timedelta(0) <= now - made_at(kept) < timedelta(seconds=seconds):
        return kept
    value = make()
    cache.set(name, value, seconds)
    return value
