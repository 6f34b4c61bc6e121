"""The leader's map (/console/stats/map/): what static/stats/map.js draws, for a scope and period.

- the scope's grids as their polygons, each with its figures for the period (reported, closed of
  those due to close, 结案率 — read from `metrics.grouped_counts` by grid, one grouping for every
  grid — and its open cases now overdue, one grouped count);
- the compounds and buildings of the scope as labels (their names and points only);
- the open cases the viewer may see (`cases_visible_to`: their titles are shown) as pins coloured
  by the case loop's own clock (`Case.clock_colour`, the queue's `time_left`), the PIN_LIMIT most
  urgent by the running deadline the queue sorts by (`RUNNING_DEADLINE`); the page says how many
  more there are;
- the hot spots: the period's reported cases counted per cell of CELL_DEGREES, by the database.

A pin carries the case's reference, title (numbers typed into it masked, as in the case exports),
category and time left: never the reporter, a phone number or the place's name (a household unit
is a door number). The queries do not grow with the cases: each is one grouped count or one capped
read (about nine in all).
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Case as Case_
from django.db.models import Count, F, FloatField, Q, Value, When
from django.db.models.functions import Coalesce, Round
from django.utils.translation import gettext as _

from huizhi.cases.models import Case
from huizhi.cases.permissions import cases_visible_to
from huizhi.cases.selectors import RUNNING_DEADLINE
from huizhi.cases.states import ClockColour
from huizhi.cases.templatetags.cases_tags import time_left
from huizhi.core.dbrouter import reading_reports
from huizhi.core.text import mask_typed_personal_numbers
from huizhi.places.codes import subtree_q
from huizhi.places.kinds import PlaceKind
from huizhi.places.models import Place
from huizhi.places.selectors import grid_map_config
from huizhi.stats.metrics import CaseCounts, Rate, Scope, grouped_counts
from huizhi.stats.periods import Period

# The most urgent open cases drawn as pins; the rest are counted, not drawn.
PIN_LIMIT = 500
# The hot-spot cells: a thousandth of a degree (about 110 m north–south, 95 m east–west here).
CELLS_PER_DEGREE = 1000
# The clock colours a pin can take, in the legend's order.
PIN_COLOURS = (ClockColour.RED, ClockColour.YELLOW, ClockColour.GREEN, ClockColour.PAUSED, ClockColour.NONE)


@dataclass
class GridFigures:
    """One grid's row of the table beneath the map, and what a click on its polygon shows."""

    code: str
    name: str
    community: str
    counts: CaseCounts
    overdue_open: int

    @property
    def closure(self) -> Rate:
        return self.counts.rate("closure")


@dataclass
class MapData:
    grids: list[GridFigures]
    config: dict  # for json_script: what map.js draws
    pins_total: int = 0  # open cases in the scope the viewer may see
    pins_read: int = 0  # the most urgent of them, PIN_LIMIT at most
    pins_drawn: int = 0  # of those read, the ones with a point on the map
    pins_unplaced: int = 0  # of those read: no point (neither theirs nor their place's)
    hot_reported: int = 0  # the period's reported cases in the hot-spot layer
    hot_unplaced: int = 0  # … and those with no point, nor a grid to stand in
    legend: list[tuple[str, str, int]] = field(default_factory=list)  # (colour, label, pins)

    @property
    def pins_over_limit(self) -> int:
        """Open cases left off the map because only the PIN_LIMIT most urgent are drawn."""
        return max(self.pins_total - self.pins_read, 0)


def _point(*pairs) -> tuple[float, float] | None:
    """The first complete (lon, lat) pair, rounded to a metre or so."""
    for lon, lat in pairs:
        if lon is not None and lat is not None:
            return round(lon, 5), round(lat, 5)
    return None


def _centre(boundary: dict | None) -> tuple[float, float] | None:
    """The mean of a polygon's outer ring (enough to stand for a grid's cases with no point)."""
    try:
        ring = boundary["coordinates"][0][:-1] if boundary else None
    except (KeyError, IndexError, TypeError):
        return None
    if not ring:
        return None
    return (
        round(sum(p[0] for p in ring) / len(ring), 5),
        round(sum(p[1] for p in ring) / len(ring), 5),
    )


def _grids(scope: Scope) -> list[Place]:
    return list(
        Place.objects.filter(subtree_q(scope.place.code), kind=PlaceKind.GRID)
        .select_related("parent")
        .order_by("code")
    )


def _overdue_open(scope: Scope, now: datetime) -> dict[int, int]:
    rows = (
        Case.objects.filter(scope.cases_q())
        .open()
        .overdue(now)
        .values("grid_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {row["grid_id"]: row["n"] for row in rows}


def grid_figures(scope: Scope, period: Period, grids: list[Place], *, now: datetime) -> list[GridFigures]:
    """Each grid's figures: one grouping of the case counts by grid, one count of the overdue."""
    counts = {key[0]: c for key, c in grouped_counts(scope, period, ("grid__code",), now=now)}
    overdue = _overdue_open(scope, now)
    return [
        GridFigures(
            code=grid.code,
            name=grid.name,
            community=grid.parent.name if grid.parent else "",
            counts=counts.get(grid.code, CaseCounts()),
            overdue_open=overdue.get(grid.pk, 0),
        )
        for grid in grids
    ]


def _labels(scope: Scope) -> dict[str, list]:
    """Compounds' and buildings' names at their points, for the labels the map shows as it zooms in."""
    labels: dict[str, list] = {"compounds": [], "buildings": []}
    rows = (
        Place.objects.filter(
            subtree_q(scope.place.code),
            kind__in=(PlaceKind.COMPOUND, PlaceKind.BUILDING),
            lon__isnull=False,
            lat__isnull=False,
        )
        .order_by("code")
        .values_list("kind", "name", "lon", "lat")
    )
    for kind, name, lon, lat in rows:
        key = "compounds" if kind == PlaceKind.COMPOUND else "buildings"
        labels[key].append([name, round(lon, 5), round(lat, 5)])
    return labels


def _pins(user, scope: Scope, now: datetime) -> tuple[list[dict], int, int, int]:
    """(pins, open cases in all, cases read, cases read with no point): the PIN_LIMIT most urgent
    open cases, soonest running deadline first (the most overdue), no clock running last."""
    open_cases = cases_visible_to(user).filter(scope.cases_q()).open()
    cases = list(
        open_cases.annotate(running_due=RUNNING_DEADLINE)
        .select_related("category")
        .only(
            "pk",
            "title",
            "status",
            "category__name",
            "accept_due_at",
            "accept_warn_at",
            "handle_due_at",
            "handle_warn_at",
            "lon",
            "lat",
        )
        .annotate(
            place_lon=F("place__lon"),
            place_lat=F("place__lat"),
            parent_lon=F("place__parent__lon"),
            parent_lat=F("place__parent__lat"),
        )
        .order_by(F("running_due").asc(nulls_last=True), "-created_at", "-id")[:PIN_LIMIT]
    )
    total = len(cases) if len(cases) < PIN_LIMIT else open_cases.count()
    pins, unplaced = [], 0
    for case in cases:
        # The household unit (a door number) has no point: its building's stands for it.
        point = _point(
            (case.lon, case.lat), (case.place_lon, case.place_lat), (case.parent_lon, case.parent_lat)
        )
        if point is None:
            unplaced += 1
            continue
        pins.append(
            {
                "ref": case.reference,
                "title": mask_typed_personal_numbers(case.title),
                "category": case.category.name,
                "left": time_left(case, now),
                "clock": str(case.clock_colour(now)),
                "lon": point[0],
                "lat": point[1],
            }
        )
    return pins, total, len(cases), unplaced


def _hot_cells(scope: Scope, period: Period, centres: dict[int, tuple]) -> tuple[list[list], int, int]:
    """([lon, lat, cases] per cell, cases counted, cases with no point): the period's reported
    cases counted per cell by the database; a case with no point of its own nor of its place (a
    hotline call about a grid) counts at the middle of its grid."""
    cell = Value(float(CELLS_PER_DEGREE), output_field=FloatField())
    lon = Coalesce("lon", "place__lon", "place__parent__lon", output_field=FloatField())
    lat = Coalesce("lat", "place__lat", "place__parent__lat", output_field=FloatField())
    rows = (
        Case.objects.filter(scope.cases_q(), created_at__gte=period.start, created_at__lt=period.end)
        .annotate(cx=Round(lon * cell), cy=Round(lat * cell))
        .annotate(gx=Case_(When(Q(cx__isnull=True) | Q(cy__isnull=True), then=F("grid_id")), default=None))
        .values("cx", "cy", "gx")
        .annotate(n=Count("pk"))
        .order_by()
    )
    cells: dict[tuple[float, float], int] = {}
    counted = unplaced = 0
    for row in rows:
        counted += row["n"]
        if row["cx"] is not None and row["cy"] is not None:
            point = (
                round(float(row["cx"]) / CELLS_PER_DEGREE, 5),
                round(float(row["cy"]) / CELLS_PER_DEGREE, 5),
            )
        else:
            point = centres.get(row["gx"])
        if point is None:
            unplaced += row["n"]
            continue
        cells[point] = cells.get(point, 0) + row["n"]
    return [[lon, lat, n] for (lon, lat), n in sorted(cells.items())], counted, unplaced


def _figure_values(row: GridFigures) -> list[str]:
    counts = row.counts
    return [str(counts.reported), f"{counts.closed} / {counts.due}", str(row.closure), str(row.overdue_open)]


def figure_labels() -> list[str]:
    """The names of a grid's figures, in the order `_figure_values` gives them (the table's too)."""
    return [_("Cases reported"), _("Closed / due to close"), _("Closure rate"), _("Overdue open cases")]


@reading_reports()  # from the replica when there is one, as the other figures
def map_data(user, scope: Scope, period: Period, *, now: datetime) -> MapData:
    """Everything the map page shows for `scope` and `period`, as `user` may see it, at `now`."""
    grids = _grids(scope)
    rows = grid_figures(scope, period, grids, now=now)
    config = grid_map_config(grids)
    by_code = {row.code: row for row in rows}
    for feature in config["features"]:
        feature["properties"]["figures"] = _figure_values(by_code[feature["properties"]["code"]])
    pins, total, read, unplaced = _pins(user, scope, now)
    centres = {grid.pk: _centre(grid.boundary) for grid in grids}
    hot, reported, hot_unplaced = _hot_cells(scope, period, centres)
    config.update(
        {
            "figureLabels": figure_labels(),
            "labels": _labels(scope),
            "pins": pins,
            "hot": hot,
            "text": {
                "gridPage": _("Open the grid's page"),
                "layerPins": _("Open cases"),
                "layerHot": _("Hot spots"),
                "layerLabels": _("Names"),
            },
        }
    )
    colours = dict(ClockColour.choices)
    legend = [
        (c.value, str(colours[c.value]), sum(1 for p in pins if p["clock"] == c.value)) for c in PIN_COLOURS
    ]
    return MapData(
        grids=rows,
        config=config,
        pins_total=total,
        pins_read=read,
        pins_drawn=len(pins),
        pins_unplaced=unplaced,
        hot_reported=reported,
        hot_unplaced=hot_unplaced,
        legend=legend,
    )
