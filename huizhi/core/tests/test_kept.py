"""A kept copy (huizhi.core.kept): loaded once, reloaded when another process bumps its version, and
reloaded when old even if no version was bumped (a write made while Redis was down); no version in
the shared cache (Redis down or restarted empty) is no reason to reload."""

from django.core.cache import cache

from huizhi.core.kept import KeptCopy


def counting_copy(**kwargs) -> tuple[KeptCopy, list]:
    loads = []

    def load():
        loads.append(len(loads))
        return f"rows {len(loads)}"

    return KeptCopy("test:kept-version", load, **kwargs), loads


def announce_elsewhere() -> None:
    """What another process's copy of the same rows does after its write (changed())."""
    KeptCopy("test:kept-version", lambda: None).announce()


def test_loaded_once_and_reloaded_when_another_process_bumps_the_version():
    copy, loads = counting_copy(check_every=0.0)
    assert copy.get() == copy.get() == "rows 1"
    announce_elsewhere()
    assert copy.get() == "rows 2" and len(loads) == 2


def test_an_unannounced_change_is_picked_up_once_the_copy_is_old(monkeypatch):
    copy, loads = counting_copy(check_every=0.0, max_age=3600.0)
    copy.get()
    copy.get()
    assert len(loads) == 1, "young, version unchanged: kept"
    monkeypatch.setattr(copy, "max_age", 0.0)  # as if an hour had passed
    assert copy.get() == "rows 2"


def test_changed_drops_this_processs_copy_at_once():
    copy, loads = counting_copy(check_every=3600.0)
    copy.get()
    copy.changed()
    assert copy.get() == "rows 2"


def test_peek_gives_only_a_current_copy_and_never_loads(monkeypatch):
    """peek() is for callers that must not query: nothing before the first get(), the copy while it
    is current, nothing once another process bumped the version or the copy is old — and it never
    loads in any of those cases (get() does, where its caller can contain a failure)."""
    copy, loads = counting_copy(check_every=0.0, max_age=3600.0)
    assert copy.peek() is None and loads == []
    copy.get()
    assert copy.peek() == "rows 1"
    announce_elsewhere()
    assert copy.peek() is None and len(loads) == 1
    assert copy.get() == "rows 2" and copy.peek() == "rows 2"
    monkeypatch.setattr(copy, "max_age", 0.0)
    assert copy.peek() is None and len(loads) == 2


def test_no_version_in_the_shared_cache_is_no_news(monkeypatch):
    """Redis restarted empty (or down: the cache then answers as if empty): the copy is kept, not
    reloaded by every process at once; it is still reloaded once old."""
    copy, loads = counting_copy(check_every=0.0, max_age=3600.0)
    announce_elsewhere()
    copy.get()
    cache.delete("test:kept-version")
    assert copy.get() == "rows 1" and copy.peek() == "rows 1" and len(loads) == 1
    monkeypatch.setattr(copy, "max_age", 0.0)
    assert copy.get() == "rows 2"


def test_a_change_after_the_shared_cache_restarted_empty_is_seen():
    """A version that starts again after a restart could equal the one a process holds (a counter
    would be 1 again): each change's version is new."""
    copy, loads = counting_copy(check_every=0.0, max_age=3600.0)
    announce_elsewhere()
    assert copy.get() == "rows 1"
    cache.clear()  # Redis restarted: nothing kept
    announce_elsewhere()
    assert copy.get() == "rows 2" and len(loads) == 2
