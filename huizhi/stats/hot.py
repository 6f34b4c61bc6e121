"""The hot topics panel of the leader's view: intake's hot topics (huizhi.intake.hot) over the cases
of the scope the viewer may see, for the end of the chosen period.

Grouping compares every report with every group so far, so a quarter or a year of a street would
cost the page seconds: the panel reads only the last DAYS days of the period, and of those at most
the MAX_REPORTS newest reports, and says so. Even so it costs a street some 400 ms at a million
cases, so a panel is kept in the cache for the clock hour it was made in (HUIZHI_STATS_HOT_CACHE_SECONDS,
per viewer, scope and period) and says when it was made; and the leader's view shows a kept panel
but never groups one itself: its script asks for the panel separately (stats:hot), so the figures
are not held up by it."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache

from huizhi.cases.permissions import cases_visible_to
from huizhi.core.dbrouter import reading_reports
from huizhi.intake.hot import HotTopic, hot_topics
from huizhi.stats.metrics import Scope
from huizhi.stats.periods import Period

DAYS = 30
MAX_REPORTS = 2000
SHOWN = 5


@dataclass
class HotPanel:
    start: datetime
    end: datetime  # exclusive
    topics: list[HotTopic] = field(default_factory=list)
    whole_period: bool = True  # False: only the period's last DAYS days were read
    computed_at: datetime | None = None  # when the topics were grouped
    kept_until: datetime | None = None  # when a kept panel gives way to a new one (None: not kept)


def _window(now: datetime, seconds: int) -> tuple[int, datetime]:
    """The clock window `now` falls in (whole hours by default) and when it ends."""
    window = int(now.timestamp()) // seconds
    return window, datetime.fromtimestamp((window + 1) * seconds, tz=now.tzinfo)


def _key(user, scope: Scope, period: Period, window: int) -> str:
    # Per viewer (the panel shows only the cases they may see), scope, period and window.
    return f"stats:hot:{user.pk}:{scope.code}:{period.start.isoformat()}:{period.end.isoformat()}:{window}"


def hot_panel(user, scope: Scope, period: Period, *, now: datetime) -> HotPanel:
    """The SHOWN hottest topics among the cases of `scope` that `user` may see (cases_visible_to:
    the titles are shown, so the case list's rule, not only the figures'), reported in the last
    DAYS days of `period` up to the moment they were grouped: `now`, or earlier in the same clock
    window when a kept panel answers (its `computed_at` says when)."""
    seconds = settings.HUIZHI_STATS_HOT_CACHE_SECONDS
    if seconds <= 0:
        return _hot_panel(user, scope, period, now=now)
    window, until = _window(now, seconds)
    key = _key(user, scope, period, window)
    panel = cache.get(key)
    if panel is None:
        panel = _hot_panel(user, scope, period, now=now)
        panel.kept_until = until
        cache.set(key, panel, max(1, int((until - now).total_seconds()) + 1))
    return panel


def kept_hot_panel(user, scope: Scope, period: Period, *, now: datetime) -> HotPanel | None:
    """The panel `hot_panel` would answer if it is kept for this clock window, else None (the page
    then leaves the grouping to its own request rather than wait for it)."""
    seconds = settings.HUIZHI_STATS_HOT_CACHE_SECONDS
    if seconds <= 0:
        return None
    window, _until = _window(now, seconds)
    return cache.get(_key(user, scope, period, window))


@reading_reports()
def _hot_panel(user, scope: Scope, period: Period, *, now: datetime) -> HotPanel:
    end = min(period.end, now)
    start = max(period.start, end - timedelta(days=DAYS))
    panel = HotPanel(start=start, end=end, whole_period=start <= period.start, computed_at=now)
    if end <= start:
        return panel
    cases = cases_visible_to(user).filter(scope.cases_q())
    panel.topics = hot_topics(cases, start, end, limit=SHOWN, max_reports=MAX_REPORTS)
    return panel
