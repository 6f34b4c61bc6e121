"""A Redis cache that fails open: when Redis errors or hangs, the cache answers as if empty.

Everything the application keeps in the cache can be lost without harm (rate-limit counters, the
grid index's version, an import's progress), so an unreachable Redis must not turn a resident's
report into a 500, nor hold a worker for seconds (DESIGN §11, faults). Configured in CACHES; no
call site knows about it.

After a failure the cache stops asking Redis for HUIZHI_REDIS_RETRY_SECONDS (one failure per
process per window: a hung Redis costs one read timeout per window, not one per request) and logs
one warning per window. Reads answer their default, writes are dropped, `add` reports "not
stored", `incr` counts from zero. `ping()` is the exception: it always asks Redis and raises, so
that /readyz sees the truth.
"""

import functools
import logging
import threading
import time

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

# Errors that mean "Redis is not answering", not "this call is wrong". redis-py wraps socket
# errors in its own ConnectionError/TimeoutError; OSError covers what slips through unwrapped.
REDIS_DOWN = (RedisError, OSError)

# Shared by every thread's cache object in this process (Django keeps one per thread), keyed by
# the server list: the time until which that Redis is not asked again.
_skip_until: dict[str, float] = {}
_lock = threading.Lock()


def _fail_open(fallback):
    """Run the cache method; on a Redis failure answer `fallback(*args, **kwargs)` instead."""

    def decorate(method):
        @functools.wraps(method)
        def wrapper(self, *args, **kwargs):
            if time.monotonic() < _skip_until.get(self._location, 0.0):
                return fallback(*args, **kwargs)
            try:
                return method(self, *args, **kwargs)
            except REDIS_DOWN as exc:
                self._tripped(method.__name__, exc)
                return fallback(*args, **kwargs)

        return wrapper

    return decorate


def _get_default(key, default=None, version=None):
    return default


def _none(*args, **kwargs):
    return None


def _false(*args, **kwargs):
    return False


def _empty_dict(*args, **kwargs):
    return {}


def _all_keys(data, *args, **kwargs):
    return list(data)  # set_many's answer: the keys that were not stored


def _delta(key, delta=1, version=None):
    return delta  # as if the counter had just been created


class ResilientRedisCache(RedisCache):
    """Django's RedisCache, failing open (see the module docstring).

    CACHES entry: the usual LOCATION and OPTIONS (pass socket_connect_timeout and socket_timeout
    there: without them a hung Redis blocks for ever), plus RETRY_SECONDS, how long to stop asking
    Redis after a failure."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._location = ",".join(self._servers)
        self._retry_seconds = float(params.get("RETRY_SECONDS", 5.0))

    def _tripped(self, operation: str, exc: BaseException) -> None:
        now = time.monotonic()
        with _lock:
            already_skipping = now < _skip_until.get(self._location, 0.0)
            _skip_until[self._location] = now + self._retry_seconds
        if not already_skipping:  # another thread may have tripped it a moment ago
            logger.warning(
                "Redis cache unavailable (%s on %s: %s); answering as if empty for %.0f s",
                type(exc).__name__,
                operation,
                exc,
                self._retry_seconds,
            )

    def ping(self) -> None:
        """Ask Redis directly (no failing open); raises when it does not answer. A success lets the
        cache use Redis again at once."""
        self._cache.get_client(None, write=True).ping()
        _skip_until.pop(self._location, None)

    add = _fail_open(_false)(RedisCache.add)
    get = _fail_open(_get_default)(RedisCache.get)
    set = _fail_open(_none)(RedisCache.set)
    touch = _fail_open(_false)(RedisCache.touch)
    delete = _fail_open(_false)(RedisCache.delete)
    get_many = _fail_open(_empty_dict)(RedisCache.get_many)
    has_key = _fail_open(_false)(RedisCache.has_key)
    incr = _fail_open(_delta)(RedisCache.incr)  # decr is incr(-delta) in BaseCache
    set_many = _fail_open(_all_keys)(RedisCache.set_many)
    delete_many = _fail_open(_none)(RedisCache.delete_many)
    clear = _fail_open(_false)(RedisCache.clear)
