"""The hot topics panel of the leader's view: intake's hot topics (huizhi.intake.hot) over the cases
of the scope the viewer may see, for the end of the chosen period.

Grouping compares every report with every group so far, so a quarter or a year of a street would
cost the page seconds: the panel reads only the last DAYS days of the period, and of those at most
the MAX_REPORTS newest reports, and says so."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

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


@reading_reports()
def hot_panel(user, scope: Scope, period: Period, *, now: datetime) -> HotPanel:
    """The SHOWN hottest topics among the cases of `scope` that `user` may see (cases_visible_to:
    the titles are shown, so the case list's rule, not only the figures'), reported in the last
    DAYS days of `period` up to `now`."""
    end = min(period.end, now)
    start = max(period.start, end - timedelta(days=DAYS))
    panel = HotPanel(start=start, end=end, whole_period=start <= period.start)
    if end <= start:
        return panel
    cases = cases_visible_to(user).filter(scope.cases_q())
    panel.topics = hot_topics(cases, start, end, limit=SHOWN, max_reports=MAX_REPORTS)
    return panel
