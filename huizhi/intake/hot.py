"""Hot topics (热点问题): the reports of a period grouped by what they are about, hottest first.

A group gathers reports that read alike (the duplicates' bigram cosine against the group's running
centroid), wherever in the scope they were made: the same complaint from three communities is one
topic for a street's leader. Heat counts the reports, the people who supported them and how widely
the topic spread over days and places: ten reports from ten compounds over a week outweigh ten
from one person's afternoon."""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import QuerySet

from huizhi.cases.models import Case
from huizhi.intake.duplicates import _supports, cosine, shingles

JOIN = 0.35  # cosine to a group's centroid at or above which a report joins it
MAX_REPORTS = 5000  # the newest of a period; a street's week is far below this


@dataclass
class HotTopic:
    title: str  # the member that reads most like the whole group
    members: list[Case]
    supports: int
    places: list[str]
    first: datetime
    last: datetime
    heat: float = 0.0
    centroid: Counter = field(default_factory=Counter, repr=False)

    @property
    def count(self) -> int:
        return len(self.members)

    @property
    def days(self) -> int:
        return len({m.created_at.date() for m in self.members})


def heat_of(count: int, supports: int, days: int, places: int) -> float:
    """Reports count 1 each, supports ½ each, and each further day and place the topic reached ½."""
    return count + 0.5 * supports + 0.5 * (days - 1) + 0.5 * (places - 1)


def hot_topics(
    cases: QuerySet[Case],
    start: date | datetime,
    end: date | datetime,
    *,
    min_reports: int = 2,
    limit: int = 20,
    max_reports: int = MAX_REPORTS,
) -> list[HotTopic]:
    """The topics among `cases` (already scoped to what the reader may see) reported in
    [start, end), with at least `min_reports` reports, hottest first. Only the `max_reports`
    newest reports of the period are read (grouping compares each with every group so far)."""
    newest = (
        cases.filter(created_at__gte=start, created_at__lt=end)
        .select_related("place")
        .only("id", "title", "description", "place__name", "created_at", "status", "merged_into_id")
        .order_by("-created_at", "-id")[:max_reports]
    )
    rows = list(reversed(newest))  # grouped oldest first: a topic's first report leads its group
    groups: list[tuple[Counter, list[tuple[Case, Counter]]]] = []
    for case in rows:
        sh = shingles(case.title, case.description)
        best, best_score = None, JOIN
        for group in groups:
            score = cosine(sh, group[0])
            if score >= best_score:
                best, best_score = group, score
        if best is None:
            groups.append((Counter(sh), [(case, sh)]))
        else:
            best[0].update(sh)
            best[1].append((case, sh))
    # Merged cases are members already: only the people who supported a report add to its heat.
    supports = _supports({c.pk for c in rows}, with_merged=False)
    topics = []
    for centroid, members in groups:
        if len(members) < min_reports:
            continue
        cases_ = [m for m, _sh in members]
        representative = max(members, key=lambda pair: cosine(pair[1], centroid))[0]
        places = list(dict.fromkeys(c.place.name for c in cases_))
        topic = HotTopic(
            title=representative.title,
            members=cases_,
            supports=sum(supports.get(c.pk, 0) for c in cases_),
            places=places,
            first=cases_[0].created_at,
            last=cases_[-1].created_at,
            centroid=centroid,
        )
        topic.heat = heat_of(topic.count, topic.supports, topic.days, len(places))
        topics.append(topic)
    topics.sort(key=lambda t: (-t.heat, -t.last.timestamp()))
    return topics[:limit]
