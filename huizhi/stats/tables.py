"""The figures of a scope and period laid out as tables: what the page shows, each table's .xlsx
download and the monthly report's sheets are the same tables, read from huizhi.stats.metrics."""

from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from urllib.parse import urlencode

from django.conf import settings
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from huizhi.core.dbrouter import reading_reports
from huizhi.core.kept import shared_copy
from huizhi.places.kinds import PlaceKind
from huizhi.stats import metrics, rollups
from huizhi.stats.care import CareFigures, care_figures
from huizhi.stats.fieldwork import FieldWork, fieldwork_figures
from huizhi.stats.metrics import DEFINITIONS, HEADLINE, CaseCounts, Figures, Rate, Scope
from huizhi.stats.periods import Period

# How a column's values are shown and written.
TEXT, COUNT, PERCENT, HOURS, POINTS = "text", "count", "percent", "hours", "points"

# The most rows of one table the page shows: a street's ~200 grids and grid workers are read in
# the table's .xlsx download, which has every row (and drawing them all was most of the page's time).
PAGE_ROWS = 30


@dataclass(frozen=True)
class Column:
    label: str
    kind: str = COUNT
    definition: str = ""  # a key of metrics.DEFINITIONS, for the ⓘ


@dataclass
class Table:
    key: str
    title: str
    columns: list[Column]
    rows: list[list] = field(default_factory=list)
    note: str = ""

    def display_rows(self, limit: int | None = None) -> list[list[str]]:
        return [
            [shown(value, column.kind) for value, column in zip(row, self.columns, strict=True)]
            for row in self.rows[:limit]
        ]

    @property
    def page_rows(self) -> list[list[str]]:
        """The rows the page shows (at most PAGE_ROWS)."""
        return self.display_rows(PAGE_ROWS)

    @property
    def rows_left_out(self) -> int:
        return max(0, len(self.rows) - PAGE_ROWS)


def shown(value, kind: str) -> str:
    """A cell as the page shows it: a missing figure is “—”, never 0% (DESIGN §9: bad input)."""
    if value is None:
        return "—"
    if kind == PERCENT:
        return f"{value}%"
    if kind == HOURS:
        return f"{value:.1f}"
    if kind == POINTS:
        return f"{value:+.2f}"
    return str(value)


def _percent(rate: Rate) -> Decimal | None:
    return rate.percent


def _hours(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


@dataclass
class Tile:
    key: str
    label: str
    rate: Rate
    previous: Rate
    change: Decimal | None
    definition: metrics.Definition


@dataclass
class Dashboard:
    scope: Scope
    period: Period
    previous: Period
    figures: Figures
    tiles: list[Tile]
    tables: list[Table]
    charts: dict
    computed_at: datetime
    # Tables shown on the page and downloadable, not yet sheets of the monthly report (the
    # report's sheets are `tables`; the grid workers' ranking is the first such).
    page_only: list[Table] = field(default_factory=list)
    # How current the daily roll-ups are (None: not built, every figure counted from the cases).
    freshness: metrics.Freshness | None = None

    @property
    def page_tables(self) -> list[Table]:
        """What the page shows: the report's tables, the page-only ones after the rankings."""
        rankings = [i for i, t in enumerate(self.tables) if t.key.startswith("ranking-")]
        at = rankings[-1] + 1 if rankings else len(self.tables)
        return [*self.tables[:at], *self.page_only, *self.tables[at:]]

    def table(self, key: str) -> Table | None:
        return next((t for t in self.page_tables if t.key == key), None)


def _ranking_columns(first: str) -> list[Column]:
    return [
        Column(_("Rank"), COUNT),
        Column(first, TEXT),
        Column(_("Reported"), COUNT, "reported"),
        Column(_("Due to close (应结案)"), COUNT, "closure"),
        Column(_("Closed"), COUNT, "closure"),
        Column(_("Closed on time"), COUNT, "closed_in_time"),
        Column(_("Closure rate (%)"), PERCENT, "closure"),
        Column(_("Closed on time (%)"), PERCENT, "closed_in_time"),
        Column(_("Rated"), COUNT, "satisfied"),
        Column(_("Satisfaction (%)"), PERCENT, "satisfied"),
    ]


def _ranking_row(rank: int, label: str, c: CaseCounts) -> list:
    return [
        rank,
        label,
        c.reported,
        c.due,
        c.closed,
        c.closed_in_time,
        _percent(c.rate("closure")),
        _percent(c.rate("closed_in_time")),
        c.rated,
        _percent(c.rate("satisfied")),
    ]


# The groupings of the roll-ups the tables read (the figures, the categories, the rankings): read
# together, a table at a time (rollups.plan_groupings).
GROUPINGS = ((), ("category_id",), ("community_id",), ("unit_id",), ("grid_id",), ("reporter_id",))


@reading_reports()  # every query of the view, the downloads and the report from the replica, if any
@rollups.one_state()
@rollups.plan_groupings(GROUPINGS)
def build(scope: Scope, period: Period, *, now: datetime | None = None) -> Dashboard:
    """Every table and chart of the leader's view for one scope and period."""
    now = now or timezone.now()
    figures = metrics.figures(scope, period, now=now)
    previous_period = period.previous()
    previous = metrics.case_counts(scope, previous_period, now=now)
    tiles = _tiles(figures, previous)
    categories = metrics.by_category(scope, period, now=now)
    tables = [
        _headline_table(figures, tiles, previous),
        _other_figures_table(figures),
        _work_table(fieldwork_figures(scope, period), care_figures(scope, period, now=now)),
        _sources_table(figures),
        _states_table(figures),
        _categories_table(categories),
        *_ranking_tables(scope, period, now, _rankings_for(scope)),
    ]
    page_only = _ranking_tables(scope, period, now, _page_only_rankings(scope))
    points = metrics.trend(scope, period, now=now)
    tables.append(_trend_table(points))
    charts = {"trend": _trend_chart(points), "categories": _categories_chart(categories)}
    freshness = metrics.freshness()
    return Dashboard(
        scope, period, previous_period, figures, tiles, tables, charts, now, page_only, freshness
    )


def kept_board(scope: Scope, period: Period, *, now: datetime | None = None) -> Dashboard:
    """`build`, kept in the shared cache for every viewer of the scope: for
    HUIZHI_STATS_ENDED_CACHE_SECONDS once the period has ended — last month's or last year's
    figures are what leaders open most, their days are summed already and only late events still
    change them — and for HUIZHI_STATS_RUNNING_CACHE_SECONDS while it includes today, whose events
    change it by the minute. Every viewer within that time gets the board made for the first (its
    "figures as of" says when)."""
    now = now or timezone.now()
    ended = period.end <= now
    seconds = (
        settings.HUIZHI_STATS_ENDED_CACHE_SECONDS if ended else settings.HUIZHI_STATS_RUNNING_CACHE_SECONDS
    )
    if seconds <= 0:
        return build(scope, period, now=now)
    # The tables' words are the request's language; the scope is the place and the unit; a board
    # made from other roll-ups (rebuilt, or dropped: counted from the cases) is another board.
    with reading_reports():  # where build() reads the roll-ups from: the replica, if any
        built = rollups.state()
    key = "stats:board:" + urlencode(
        {
            **period.query(),
            "scope": scope.code,
            "lang": get_language(),
            "rollups": built.rebuilt_at.isoformat() if built else "",
        }
    )
    return shared_copy(
        key, now, seconds, lambda: build(scope, period, now=now), made_at=lambda board: board.computed_at
    )


def _tiles(figures: Figures, previous: CaseCounts) -> list[Tile]:
    """The headline rates beside the previous period's."""
    return [
        Tile(
            key,
            str(DEFINITIONS[key].label),
            figures.cases.rate(key),
            previous.rate(key),
            metrics.change(figures.cases.rate(key), previous.rate(key)),
            _spoken(DEFINITIONS[key]),
        )
        for key in HEADLINE
    ]


def _spoken(definition: metrics.Definition) -> metrics.Definition:
    """The definition in the request's language, as plain text. A board is kept per language
    (`kept_board`), and every view of a kept board unpickled its lazy strings, each building its
    proxy class anew: ~50 of them, several milliseconds a view."""
    return replace(
        definition,
        label=str(definition.label),
        numerator=str(definition.numerator),
        denominator=str(definition.denominator),
        notes=str(definition.notes),
    )


def _work_table(work: FieldWork | None, care: CareFigures | None) -> Table:
    """The grid workers' field work and care: one table of the report (empty for a handling unit,
    whose figures are its cases only)."""
    rows = []
    if work is not None:
        rows += [
            [_("Patrols started"), work.patrols, ""],
            [
                _("Patrol check-ins"),
                work.check_ins,
                _("%(n)d far from the place") % {"n": work.far_check_ins},
            ],
            [_("Problems fixed on the spot"), work.fixes_on_spot, ""],
            [_("Household visits"), work.visits, _("%(n)d households") % {"n": work.households_visited}],
        ]
    if care is not None:
        coverage = care.coverage
        rows += [
            [
                _("Elderly residents on the watch"),
                coverage.watched,
                _("%(n)d with a watcher") % {"n": coverage.with_watcher},
            ],
            [_("Watch contacts overdue now"), coverage.overdue, ""],
            [
                str(DEFINITIONS["watch_coverage"].label),
                str(care.coverage_rate),
                _rate_out_of(care.coverage_rate),
            ],
            [
                _("Watch contacts logged"),
                care.contacts,
                _("%(help)d needing help, %(missed)d not reached")
                % {"help": care.needs_help, "missed": care.not_reached},
            ],
        ]
        if care.sessions is not None:
            sessions = care.sessions
            rows += [
                [_("Care station sessions held"), sessions.held, ""],
                [
                    str(DEFINITIONS["session_attendance"].label),
                    str(sessions.attendance),
                    _rate_out_of(sessions.attendance),
                ],
                [_("Home-service requests"), sessions.home_requests, ""],
            ]
    return Table(
        "work",
        _("Field work and care"),
        [
            Column(_("Figure"), TEXT, "field_work"),
            Column(_("Value"), TEXT),
            Column(_("Out of"), TEXT),
        ],
        rows,
        note=_(
            "Watch coverage and overdue contacts are counted as the figures are computed, whatever the period."
        ),
    )


def _rate_out_of(value: Rate) -> str:
    return f"{value.numerator} / {value.denominator}"


def _sources_table(figures: Figures) -> Table:
    return Table(
        "sources",
        _("Cases by source"),
        [Column(_("Source"), TEXT), Column(_("Reported"), COUNT, "reported")],
        [[label, n] for _key, label, n in figures.by_source],
    )


def _states_table(figures: Figures) -> Table:
    return Table(
        "states",
        _("Cases reported in the period, by present state"),
        [Column(_("State"), TEXT), Column(_("Cases"), COUNT, "reported")],
        [[label, n] for _key, label, n in figures.by_state],
    )


def _categories_table(categories) -> Table:
    return Table(
        "categories",
        _("Cases by category"),
        [
            Column(_("Category"), TEXT),
            Column(_("Reported"), COUNT, "reported"),
            Column(_("Due to close (应结案)"), COUNT, "closure"),
            Column(_("Closed"), COUNT, "closure"),
            Column(_("Closure rate (%)"), PERCENT, "closure"),
            Column(_("Closed on time (%)"), PERCENT, "closed_in_time"),
        ],
        [
            [
                row.label,
                row.counts.reported,
                row.counts.due,
                row.counts.closed,
                _percent(row.counts.rate("closure")),
                _percent(row.counts.rate("closed_in_time")),
            ]
            for row in categories
        ],
    )


def _rankings_for(scope: Scope) -> list[tuple[str, str]]:
    """What the scope's rankings compare (its communities, grids, handling units), with the first
    column's label; a unit's own view ranks nothing."""
    rankings = []
    if scope.unit is None and scope.place.kind in (PlaceKind.DISTRICT, PlaceKind.STREET):
        rankings.append(("community", _("Community")))
    if scope.unit is None and scope.place.kind != PlaceKind.GRID:
        rankings.append(("grid", _("Grid")))
    if scope.unit is None:
        rankings.append(("unit", _("Handling unit")))
    return rankings


def _page_only_rankings(scope: Scope) -> list[tuple[str, str]]:
    """The grid workers of the scope (any place; not a unit's own view), on the page only for now."""
    return [] if scope.unit is not None else [("gridworker", _("Grid worker"))]


def _ranking_tables(scope: Scope, period: Period, now: datetime, rankings) -> list[Table]:
    tables = []
    for of, first in rankings:
        rows = metrics.ranking(scope, period, of, now=now)
        tables.append(
            Table(
                f"ranking-{of}",
                _("Ranking: %(what)s") % {"what": metrics.RANKINGS[of]},
                _ranking_columns(first),
                [_ranking_row(rank, row.label, row.counts) for rank, row in enumerate(rows, start=1)],
                note=_(
                    "Ordered by the on-time closure rate, then by the number due to close; rows "
                    "with nothing due to close come last."
                )
                + (
                    " "
                    + _(
                        "Each row counts the cases its person found on patrol and reported "
                        "(source: grid patrol): the grid workers, and anyone else who filed a "
                        "patrol report, whatever their role now."
                    )
                    if of == "gridworker"
                    else ""
                ),
            )
        )
    return tables


def _trend_table(points) -> Table:
    return Table(
        "trend",
        _("Trend"),
        [
            Column(_("Period"), TEXT),
            Column(_("Reported"), COUNT, "reported"),
            Column(_("Due to close (应结案)"), COUNT, "closure"),
            Column(_("Closure rate (%)"), PERCENT, "closure"),
            Column(_("Closed on time (%)"), PERCENT, "closed_in_time"),
        ],
        [
            [p.label, p.reported, p.closure.denominator, _percent(p.closure), _percent(p.closed_in_time)]
            for p in points
        ],
    )


def _trend_chart(points) -> dict:
    return {
        "labels": [p.label for p in points],
        "reported": [p.reported for p in points],
        "closure": [_float(p.closure.percent) for p in points],
        "closed_in_time": [_float(p.closed_in_time.percent) for p in points],
        "names": {
            "reported": _("Reported"),
            "closure": _("Closure rate (%)"),
            "closed_in_time": _("Closed on time (%)"),
        },
    }


def _categories_chart(categories) -> dict:
    return {
        "labels": [row.label for row in categories],
        "reported": [row.counts.reported for row in categories],
        "names": {"reported": _("Reported")},
    }


def _float(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _headline_table(figures: Figures, tiles: list[Tile], previous: CaseCounts) -> Table:
    """The headline rates, and after 满意率 its split by where the ratings came from (the
    reporter's own, or heard on a call-back, 回访)."""
    rows = []
    for t in tiles:
        rows.append(
            [str(t.label), t.rate.percent, t.rate.numerator, t.rate.denominator, t.previous.percent, t.change]
        )
        if t.key == "satisfied":
            now_split = figures.cases.satisfaction_by_source()
            before = previous.satisfaction_by_source()
            for key, label, _rated, _satisfied in figures.cases.ratings_by_source():
                r, p = now_split[key], before[key]
                rows.append(
                    [
                        "　" + _("of which %(source)s") % {"source": label},
                        r.percent,
                        r.numerator,
                        r.denominator,
                        p.percent,
                        metrics.change(r, p),
                    ]
                )
    return _headline_rows_table(rows)


def _headline_rows_table(rows: list[list]) -> Table:
    return Table(
        "headline",
        _("Headline rates"),
        [
            Column(_("Figure"), TEXT),
            Column(_("Value (%)"), PERCENT),
            Column(_("Numerator"), COUNT),
            Column(_("Denominator"), COUNT),
            Column(_("Previous period (%)"), PERCENT),
            Column(_("Change (points)"), POINTS),
        ],
        rows,
    )


def _other_figures_table(figures: Figures) -> Table:
    rows = [
        [str(DEFINITIONS["reported"].label), figures.cases.reported, ""],
        [
            _("Time to accept, median (hours)"),
            _hours(figures.time_to_accept.median_hours),
            _("of %(n)d cases") % {"n": figures.time_to_accept.count},
        ],
        [
            _("Time to accept, 90th percentile (hours)"),
            _hours(figures.time_to_accept.p90_hours),
            _("of %(n)d cases") % {"n": figures.time_to_accept.count},
        ],
        [
            _("Time to fix, median (hours)"),
            _hours(figures.time_to_fix.median_hours),
            _("of %(n)d cases") % {"n": figures.time_to_fix.count},
        ],
        [
            _("Time to fix, 90th percentile (hours)"),
            _hours(figures.time_to_fix.p90_hours),
            _("of %(n)d cases") % {"n": figures.time_to_fix.count},
        ],
        [_("Supervision notices issued"), figures.supervision_issued, ""],
        [_("Supervision notices answered"), figures.supervision_answered, ""],
        [
            str(DEFINITIONS["supervision_on_time"].label),
            str(figures.supervision_on_time),
            f"{figures.supervision_on_time.numerator} / {figures.supervision_on_time.denominator}",
        ],
    ]
    if figures.wall_answered is not None:
        wall_time = figures.wall_time_to_answer
        rows += [
            [_("Problem-wall items published"), figures.wall_posted, ""],
            [
                str(DEFINITIONS["wall_answered"].label),
                str(figures.wall_answered),
                f"{figures.wall_answered.numerator} / {figures.wall_answered.denominator}",
            ],
            [
                _("Time to answer on the wall, median (hours)"),
                _hours(wall_time.median_hours if wall_time else None),
                _("of %(n)d items") % {"n": wall_time.count if wall_time else 0},
            ],
        ]
    if figures.meetings_held is not None:
        rows += [
            [str(DEFINITIONS["meetings_held"].label), figures.meetings_held, ""],
            [
                str(DEFINITIONS["decisions_on_time"].label),
                str(figures.decisions_on_time),
                f"{figures.decisions_on_time.numerator} / {figures.decisions_on_time.denominator}",
            ],
            [str(DEFINITIONS["volunteer_hours"].label), str(figures.volunteer_hours), ""],
        ]
    return Table(
        "other",
        _("Times, supervision, the problem wall, meetings and volunteers"),
        [Column(_("Figure"), TEXT), Column(_("Value"), TEXT), Column(_("Out of"), TEXT)],
        [[label, "—" if value is None else value, out_of] for label, value, out_of in rows],
    )
