"""A list of subscribers that a lower app keeps so that higher apps can hear of its events without
the lower app importing them (the outbound seams of the case loop and the wall)."""

from collections.abc import Callable


class Subscribers:
    def __init__(self):
        self._callbacks: list[Callable] = []

    def subscribe(self, callback: Callable) -> Callable:
        """Call `callback(event)` for every event from now on (once, however often subscribed)."""
        if callback not in self._callbacks:
            self._callbacks.append(callback)
        return callback

    def unsubscribe(self, callback: Callable) -> None:
        if callback in self._callbacks:
            self._callbacks.remove(callback)

    def __iter__(self):
        # A copy: a subscriber may unsubscribe while the event is being announced.
        return iter(list(self._callbacks))

    def __bool__(self) -> bool:
        return bool(self._callbacks)
