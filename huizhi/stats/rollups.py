"""Daily roll-ups of the case figures (issue 15, "fast at scale"): kept with every case event,
rebuilt by `manage.py stats_rollup --rebuild`, read by huizhi.stats.metrics.

What a case adds to the figures is a function of its current state (`contributions`): one to
"reported" on the day it was reported, one to "due to close" on the day of its handling deadline,
and so on — each count of metrics' cohorts falls on the local day of the one timestamp that puts
the case in it. A deadline's cohort counts a case whose deadline has passed or that is decided;
on a day before today every deadline of that day has passed, so a day's sums no longer depend on
the moment they are read. metrics therefore reads whole days before today from the roll-ups and
today (and anything later) from the cases, and the two give the same answers as the cases alone.

The keeper (`keep_case_figures`, a keeper of huizhi.cases.outbound) runs in the event's
transaction: it rewrites the case's `CaseFact`, subtracts the old fact's contributions and adds
the new one's, so the sums are never stale; the per-case fact is what makes the subtraction exact.
"""

import functools
import hashlib
import time
from array import array
from collections import Counter, defaultdict
from collections.abc import Iterable
from contextlib import ContextDecorator
from contextvars import ContextVar
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import connections, router, transaction
from django.db.models import Case as DbCase
from django.db.models import F, IntegerField, Q, Sum, Value, When
from django.db.models.functions import Substr, TruncDate, TruncMonth
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from huizhi.cases import workcalendar
from huizhi.cases.models import CallBack, Case, CaseEvent
from huizhi.cases.states import CLOCK_ACTIONS, Action, Rating, Source, Status
from huizhi.core.bulk import insert_all
from huizhi.core.kept import shared_copy
from huizhi.places.codes import subtree_q
from huizhi.stats.models import (
    COUNT_COLUMNS,
    DAILY_CODE_LENGTH,
    DAILY_KEY,
    MONTHLY_CODE_LENGTH,
    MONTHLY_GRID_KEY,
    MONTHLY_KEY,
    SOURCE_COLUMNS,
    STATE_COLUMNS,
    CaseFact,
    DailyFigures,
    MonthlyFigures,
    MonthlyGridFigures,
    RollupState,
)

# The actions that decide a reported case (受理, 不予受理, 合并): the acceptance clock stops at the first.
DECISION_ACTIONS = ("accept", "reject", "merge")
# The ratings that say a hotline case was solved (12345 解决率): no separate “solved” flag is stored.
SOLVED = (Rating.SATISFIED, Rating.BASICALLY_SATISFIED)
# The timeline lines a fact reads: the decision, the result, and the suspensions (time to fix).
FACT_ACTIONS = (*DECISION_ACTIONS, "report_result", "suspend", "resume")
# Events that change nothing a figure reads: the clock's own warnings, the wall's priority, supervision.
UNCOUNTED_ACTIONS = frozenset(
    {
        *CLOCK_ACTIONS,
        Action.SET_PRIORITY,
        Action.SUPERVISE,
        Action.SUPERVISION_REPLY,
    }
)


# ---------------------------------------------------------------------------------------------
# Working time: one calculation for the figures read from the cases and for the facts.


# Rounded to the millisecond, so two ways of summing the same office windows agree to the last bit.
def seconds_to_accept(
    created: datetime, decided: datetime, working: bool, between=workcalendar.between
) -> float:
    return round(between(created, decided, working), 3)


def seconds_to_fix(
    created: datetime,
    closed: datetime,
    working: bool,
    pauses: Iterable[tuple[str, datetime]],
    between=workcalendar.between,
) -> float:
    """Report to close in the case's handling clock, less the time suspended (`pauses`: its
    suspend and resume lines in order); never below zero."""
    total = between(created, closed, working)
    suspended_at = None
    for action, at in pauses:
        if action == "suspend":
            suspended_at = at
        elif suspended_at is not None:
            total -= between(suspended_at, at, working)
            suspended_at = None
    return round(max(0.0, total), 3)


class WorkingClock:
    """workcalendar.between for a million cases: the working seconds from EPOCH to the start of
    each day, summed once, so a span is a difference of two look-ups instead of a walk over its
    days. The same office windows (`office_periods` on every `is_working_day`), the same answer
    (stats/tests/test_rollups.py compares them)."""

    EPOCH = date(2000, 1, 1)

    def __init__(self):
        self.periods = workcalendar.office_periods()
        self.day_seconds = workcalendar.working_day_seconds()
        self.before: list[float] = [0.0]  # working seconds before EPOCH + i days

    def _before(self, day: date) -> float:
        index = (day - self.EPOCH).days
        while len(self.before) <= index:
            previous = self.EPOCH + timedelta(days=len(self.before) - 1)
            worked = self.day_seconds if workcalendar.is_working_day(previous) else 0.0
            self.before.append(self.before[-1] + worked)
        return self.before[index]

    def _at(self, moment: datetime) -> float:
        local = timezone.localtime(moment)
        day = local.date()
        total = self._before(day)
        if workcalendar.is_working_day(day):
            tz = local.tzinfo
            for start, end in self.periods:
                window_start = datetime.combine(day, start, tzinfo=tz)
                window_end = datetime.combine(day, end, tzinfo=tz)
                total += max(0.0, (min(window_end, local) - window_start).total_seconds())
        return total

    def between(self, start: datetime, end: datetime, working: bool) -> float:
        if not working:
            return (end - start).total_seconds()
        if timezone.localtime(min(start, end)).date() < self.EPOCH:
            return workcalendar.between(start, end, working)
        return self._at(end) - self._at(start)


# ---------------------------------------------------------------------------------------------
# Facts


CASE_FIELDS = (
    "pk",
    "place_code",
    "community_id",
    "grid_id",
    "category_id",
    "handling_unit_id",
    "reporter_id",
    "source",
    "status",
    "rework_count",
    "created_at",
    "accept_due_at",
    "handle_due_at",
    "closed_at",
    "rating",
    "rated_at",
    "handle_clock_working",
    "category__accept_unit",
)


def make_fact(
    case: dict,
    events: list[tuple[str, datetime]],
    callbacks: list[list],
    *,
    now: datetime,
    between=workcalendar.between,
) -> CaseFact:
    """The fact of one case: `case` has CASE_FIELDS, `events` its FACT_ACTIONS lines in order."""
    decided_at = next((at for action, at in events if action in DECISION_ACTIONS), None)
    handled_at = next((at for action, at in reversed(events) if action == "report_result"), None)
    status, closed_at = case["status"], case["closed_at"]
    accept_seconds = fix_seconds = None
    if decided_at is not None:
        working = workcalendar.is_working_clock(case["category__accept_unit"])
        accept_seconds = seconds_to_accept(case["created_at"], decided_at, working, between)
    if status == Status.CLOSED and closed_at is not None:
        pauses = [(action, at) for action, at in events if action in ("suspend", "resume")]
        fix_seconds = seconds_to_fix(
            case["created_at"], closed_at, case["handle_clock_working"], pauses, between
        )
    return CaseFact(
        case_id=case["pk"],
        area_code=case["place_code"][:DAILY_CODE_LENGTH],
        community_id=case["community_id"] or 0,
        grid_id=case["grid_id"] or 0,
        category_id=case["category_id"] or 0,
        unit_id=case["handling_unit_id"] or 0,
        reporter_id=(case["reporter_id"] or 0) if case["source"] == Source.PATROL else 0,
        source=case["source"],
        status=status,
        reworked=case["rework_count"] > 0,
        created_at=case["created_at"],
        accept_due_at=case["accept_due_at"],
        decided_at=decided_at,
        handle_due_at=case["handle_due_at"],
        handled_at=handled_at,
        closed_at=closed_at,
        rating=case["rating"],
        rated_at=case["rated_at"],
        callbacks=callbacks,
        accept_seconds=accept_seconds,
        fix_seconds=fix_seconds,
        kept_at=now,
    )


def _reached_callbacks(case_ids) -> dict[int, list[list]]:
    found: dict[int, list[list]] = defaultdict(list)
    rows = (
        CallBack.objects.filter(case_id__in=case_ids, reached=True)
        .order_by("called_at", "id")
        .values_list("case_id", "called_at", "satisfaction")
    )
    for case_id, called_at, satisfaction in rows:
        found[case_id].append([called_at.isoformat(), satisfaction])
    return found


def _fact_events(case_filter: Q) -> dict[int, list[tuple[str, datetime]]]:
    found: dict[int, list[tuple[str, datetime]]] = defaultdict(list)
    rows = (
        CaseEvent.objects.filter(case_filter, action__in=FACT_ACTIONS)
        .order_by("case_id", "created_at", "id")
        .values_list("case_id", "action", "created_at")
    )
    for case_id, action, at in rows:
        found[case_id].append((action, at))
    return found


# ---------------------------------------------------------------------------------------------
# Contributions: what a fact adds to the daily sums


def _rating_counts(rating: str, hotline: bool, *, by_callback: bool) -> dict[str, int]:
    counts = {
        "rated": 1,
        "satisfied": int(rating == Rating.SATISFIED),
        "basically_satisfied": int(rating == Rating.BASICALLY_SATISFIED),
        "unsatisfied": int(rating == Rating.UNSATISFIED),
        "hotline_rated": int(hotline),
        "hotline_resolved": int(hotline and rating in SOLVED),
        "hotline_satisfied": int(hotline and rating == Rating.SATISFIED),
    }
    if by_callback:
        for name in ("rated", "satisfied", "basically_satisfied", "unsatisfied"):
            counts[f"{name}_by_callback"] = counts[name]
    return counts


def contributions(fact, now: datetime | None = None) -> dict[tuple, Counter]:
    """What `fact` (a CaseFact, or a row of LIVE_FACT_FIELDS) adds to each row of the daily sums (DAILY_KEY → counts), as metrics' cohorts
    (metrics._cohorts) count it at `now` — or, without `now`, on a day whose deadlines have all
    passed (what the stored sums hold)."""
    added: dict[tuple, Counter] = defaultdict(Counter)
    if fact is None:
        return added
    dims = (fact.area_code, fact.community_id, fact.grid_id, fact.category_id, fact.unit_id, fact.reporter_id)
    # The zone looked up once, not at each timestamp (timezone.localtime asks a context-local for
    # it every time: a quarter of a running period's view counting a street's ~1,000 facts of today).
    zone = timezone.get_current_timezone()

    def add(moment: datetime, counts: dict[str, int]) -> None:
        added[(moment.astimezone(zone).date(), *dims)].update(counts)

    hotline = fact.source == Source.HOTLINE
    reported = {"reported": 1}
    for column in (SOURCE_COLUMNS.get(fact.source), STATE_COLUMNS.get(fact.status)):
        if column:
            reported[column] = 1
    add(fact.created_at, reported)
    if fact.accept_due_at is not None and (
        now is None or fact.accept_due_at <= now or fact.decided_at is not None
    ):
        in_time = fact.decided_at is not None and fact.decided_at <= fact.accept_due_at
        add(
            fact.accept_due_at,
            {
                "accept_due": 1,
                "accepted_in_time": int(in_time),
                "hotline_accept_due": int(hotline),
                "hotline_responded": int(hotline and in_time),
            },
        )
    due = (
        now is None or fact.handle_due_at is None or fact.handle_due_at <= now or fact.status == Status.CLOSED
    )
    if fact.handle_due_at is not None and fact.status != Status.SUSPENDED and due:
        closed = fact.status == Status.CLOSED
        handled_in_time = (
            fact.status in (Status.HANDLED, Status.CLOSED)
            and fact.handled_at is not None
            and fact.handled_at <= fact.handle_due_at
        )
        add(
            fact.handle_due_at,
            {
                "due": 1,
                "handled_in_time": int(handled_in_time),
                "closed": int(closed),
                "closed_in_time": int(
                    closed and fact.closed_at is not None and fact.closed_at <= fact.handle_due_at
                ),
            },
        )
    if fact.status == Status.CLOSED and fact.closed_at is not None:
        add(fact.closed_at, {"closed_in_period": 1, "reworked": int(fact.reworked)})
    if fact.rating and fact.rated_at is not None:
        add(fact.rated_at, _rating_counts(fact.rating, hotline, by_callback=False))
    for called_at, satisfaction in fact.callbacks or ():
        moment = called_at if isinstance(called_at, datetime) else parse_datetime(called_at)
        add(moment, _rating_counts(satisfaction, hotline, by_callback=True))
    return added


def monthly_key(daily_key: tuple) -> tuple:
    day, area_code, community_id, _grid_id, category_id, unit_id, _reporter_id = daily_key
    return (day.replace(day=1), area_code[:MONTHLY_CODE_LENGTH], community_id, category_id, unit_id)


def monthly_grid_key(daily_key: tuple) -> tuple:
    day, area_code, community_id, grid_id, _category_id, unit_id, reporter_id = daily_key
    return (day.replace(day=1), area_code, community_id, grid_id, unit_id, reporter_id)


def _by_month(daily: dict[tuple, Counter], key=monthly_key) -> dict[tuple, Counter]:
    monthly: dict[tuple, Counter] = defaultdict(Counter)
    for daily_key, counts in daily.items():
        monthly[key(daily_key)].update(counts)
    return monthly


def _difference(new: dict[tuple, Counter], old: dict[tuple, Counter]) -> dict[tuple, Counter]:
    changed = {}
    for key in new.keys() | old.keys():
        delta = Counter(new.get(key, {}))
        delta.subtract(old.get(key, {}))
        delta = Counter({column: n for column, n in delta.items() if n})
        if delta:
            changed[key] = delta
    return changed


@functools.cache
def _upsert_sql(using: str, table: str, key_fields: tuple[str, ...], rows: int = 1) -> str:
    """The additive upsert's text for one table and `rows` rows, made once. The table is aliased so
    the one-row text stays under psycopg's 4,096 characters, below which it parses a query once, not
    at every call (37 sums written out in full with the table's name were 4,243)."""
    qn = connections[using].ops.quote_name
    columns = [*key_fields, *COUNT_COLUMNS]
    row = f"({', '.join(['%s'] * len(columns))})"
    # Only quoted names from the models go into the text; every value is a parameter.
    return (
        f"INSERT INTO {qn(table)} AS kept ({', '.join(qn(c) for c in columns)}) "  # noqa: S608
        f"VALUES {', '.join([row] * rows)} "
        f"ON CONFLICT ({', '.join(qn(c) for c in key_fields)}) DO UPDATE SET "
        + ", ".join(f"{qn(c)} = kept.{qn(c)} + excluded.{qn(c)}" for c in COUNT_COLUMNS)
    )


def _rows_of(rows: dict[tuple, Counter]) -> list[list]:
    """Each row's key and counts as parameters, in key order: two transactions adding to the same
    rows lock them in the same order."""
    return [[*key, *(counts.get(c, 0) for c in COUNT_COLUMNS)] for key, counts in sorted(rows.items())]


def _add_to_all(changes: list[tuple], using: str = "default") -> None:
    """Add each (model, key fields, rows: key → counts) of `changes` to its sums: one additive
    upsert of all its rows per table (INSERT … ON CONFLICT DO UPDATE, which SQLite and PostgreSQL
    share); on PostgreSQL the tables' upserts in one statement, all but the last in a WITH (data-
    modifying CTEs; they touch different tables). A case event changes three tables: one round trip
    instead of three, on every event of every case."""
    statements = [
        (
            _upsert_sql(using, model._meta.db_table, tuple(key_fields), len(rows)),
            [value for row in _rows_of(rows) for value in row],
        )
        for model, key_fields, rows in changes
        if rows
    ]
    if connections[using].vendor == "postgresql" and len(statements) > 1:
        *first, (last, last_params) = statements
        sql = "WITH " + ", ".join(f"upsert_{i} AS ({text})" for i, (text, _) in enumerate(first)) + " " + last
        statements = [(sql, [value for _, params in first for value in params] + last_params)]
    with connections[using].cursor() as cursor:
        for sql, params in statements:
            cursor.execute(sql, params)


def _apply(old: dict[tuple, Counter], new: dict[tuple, Counter]) -> None:
    daily = _difference(new, old)
    _add_to_all(
        [
            (DailyFigures, DAILY_KEY, daily),
            (MonthlyFigures, MONTHLY_KEY, _by_month(daily)),
            (MonthlyGridFigures, MONTHLY_GRID_KEY, _by_month(daily, monthly_grid_key)),
        ]
    )


# ---------------------------------------------------------------------------------------------
# The keeper


def keep_case_figures(event: CaseEvent) -> None:
    """A keeper of the case loop's outbound seam: the case's fact and its share of the daily and
    monthly sums follow the event, in its transaction (so they are saved with the case or not at
    all). A report costs three writes; a later event a read of the fact (locked: two events of one
    case are kept one after the other) and of the case's decision, result and suspension lines."""
    if event.action in UNCOUNTED_ACTIONS:
        return
    case = event.case
    now = timezone.now()
    if event.action == Action.REPORT:
        old, events, callbacks = None, [], []
    else:
        old = CaseFact.objects.select_for_update().filter(pk=case.pk).first()
        events = _fact_events(Q(case_id=case.pk))[case.pk]
        if old is None or event.action == Action.CALLBACK:
            callbacks = _reached_callbacks([case.pk])[case.pk]
        else:
            callbacks = old.callbacks
    row = {name: getattr(case, name) for name in CASE_FIELDS if "__" not in name}
    decided = next((at for action, at in events if action in DECISION_ACTIONS), None)
    # The time to accept changes only with the decision (or the category's clock): else it is the
    # old fact's, and the category is not read.
    unchanged = old is not None and old.decided_at == decided and old.category_id == (case.category_id or 0)
    row["category__accept_unit"] = "" if unchanged or not case.category_id else case.category.accept_unit
    fact = make_fact(row, events, callbacks, now=now)
    if unchanged:
        fact.accept_seconds = old.accept_seconds
    _apply(contributions(old), contributions(fact))
    fact.save(force_insert=old is None)


# ---------------------------------------------------------------------------------------------
# Rebuilding


def _month_start(day: date) -> date:
    return day.replace(day=1)


def rebuild(since: date | None = None, *, chunk: int = 5000, progress=None) -> RollupState:
    """Recompute the facts and the sums from the cases: all of them, or (`since`) every row of the
    sums from the first day of `since`'s month on and the facts of the cases that add to them.
    One transaction: readers see the old sums or the new ones. Marks the roll-ups complete.

    The facts are made as the keeper makes them (`make_fact`, with WorkingClock); the sums are then
    added up by the database from the facts (`_sum_facts`), the same arithmetic as
    `contributions` written as SQL — test_rollups checks that both give the same rows."""
    started = time.perf_counter()
    now = timezone.now()
    cut = _month_start(since) if since else None
    with transaction.atomic():
        if cut is None:
            CaseFact.objects.all().delete()
            DailyFigures.objects.all().delete()
            MonthlyFigures.objects.all().delete()
            MonthlyGridFigures.objects.all().delete()
            cases = Case.objects.all()
        else:
            DailyFigures.objects.filter(day__gte=cut).delete()
            MonthlyFigures.objects.filter(month__gte=cut).delete()
            MonthlyGridFigures.objects.filter(month__gte=cut).delete()
            start = midnight(cut)
            touching = (
                Q(created_at__gte=start)
                | Q(accept_due_at__gte=start)
                | Q(handle_due_at__gte=start)
                | Q(closed_at__gte=start)
                | Q(rated_at__gte=start)
                | Q(pk__in=CallBack.objects.filter(called_at__gte=start).values("case_id"))
            )
            cases = Case.objects.filter(touching)
        ids = list(cases.order_by("pk").values_list("pk", flat=True))
        clock = WorkingClock()
        for at in range(0, len(ids), chunk):
            _rebuild_facts(ids[at : at + chunk], now, clock)
            if progress:
                progress(min(at + chunk, len(ids)), len(ids))
        _sum_facts(cut)
        RollupState.objects.all().delete()
        state = RollupState.objects.create(rebuilt_at=now, rebuilt_since=cut, seconds=0)
    state.seconds = round(time.perf_counter() - started, 1)
    RollupState.objects.filter(pk=state.pk).update(seconds=state.seconds)
    return state


def compact_after_rebuild() -> list[str]:
    """On PostgreSQL, the roll-up tables' indexes built afresh once a whole rebuild has committed:
    it replaced every row in one transaction (so readers saw the old sums or the new), which leaves
    each index twice its size and half empty — the statistics' index-only reads then touched twice
    the pages (a street-year's medians 12 → 20 ms). CONCURRENTLY, so readers and the keeper go on;
    inside a transaction (where CONCURRENTLY cannot run: a test) a plain REINDEX."""
    tables = [model._meta.db_table for model in (CaseFact, DailyFigures, MonthlyFigures, MonthlyGridFigures)]
    connection = connections[router.db_for_write(CaseFact)]
    if connection.vendor != "postgresql":
        return []
    how = "" if connection.in_atomic_block else "CONCURRENTLY "
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"REINDEX TABLE {how}{connection.ops.quote_name(table)}")
    return tables


def midnight(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=timezone.get_current_timezone())


def _rebuild_facts(case_ids: list[int], now: datetime, clock: WorkingClock) -> None:
    if case_ids[-1] - case_ids[0] + 1 == len(case_ids):
        in_part = Q(case_id__gte=case_ids[0], case_id__lte=case_ids[-1])  # a range reads an index run
    else:
        in_part = Q(case_id__in=case_ids)
    events = _fact_events(in_part)
    callbacks = _reached_callbacks(case_ids)
    rows = Case.objects.filter(pk__in=case_ids).order_by("pk").values(*CASE_FIELDS)
    facts = [
        make_fact(
            row, events.get(row["pk"], []), callbacks.get(row["pk"], []), now=now, between=clock.between
        )
        for row in rows
    ]
    CaseFact.objects.filter(pk__in=case_ids).delete()
    _write_facts(facts)


def _write_facts(facts: list[CaseFact]) -> None:
    """Insert `facts`: COPY on PostgreSQL (a million in a minute, where bulk_create takes ten),
    bulk_create elsewhere."""
    insert_all(facts)


def _one_if(condition: Q) -> DbCase:
    return DbCase(When(condition, then=Value(1)), default=Value(0), output_field=IntegerField())


def _cohort_rows(cut: date | None) -> list:
    """Per cohort, a query giving each fact's (or reached call-back's) row of contributions: the
    day, the dimensions and every count column (0 where the cohort adds nothing). The SQL form of
    `contributions`."""
    hotline = Q(source=Source.HOTLINE)
    solved = Q(rating__in=SOLVED)

    def rows(queryset, moment: str, counts: dict, prefix: str = ""):
        if cut is not None:
            queryset = queryset.filter(**{f"{moment}__gte": midnight(cut)})
        keys = {
            "k_day": TruncDate(moment),
            "k_area": F(f"{prefix}area_code"),
            "k_community": F(f"{prefix}community_id"),
            "k_grid": F(f"{prefix}grid_id"),
            "k_category": F(f"{prefix}category_id"),
            "k_unit": F(f"{prefix}unit_id"),
            "k_reporter": F(f"{prefix}reporter_id"),
        }
        values = {f"c_{c}": counts.get(c, Value(0, output_field=IntegerField())) for c in COUNT_COLUMNS}
        return queryset.annotate(**keys, **values).values(*keys, *values).order_by()

    one = Value(1, output_field=IntegerField())
    facts = CaseFact.objects.all()
    in_time = Q(decided_at__isnull=False, decided_at__lte=F("accept_due_at"))
    closed = Q(status=Status.CLOSED)
    ratings = {
        "rated": one,
        "satisfied": _one_if(Q(rating=Rating.SATISFIED)),
        "basically_satisfied": _one_if(Q(rating=Rating.BASICALLY_SATISFIED)),
        "unsatisfied": _one_if(Q(rating=Rating.UNSATISFIED)),
        "hotline_rated": _one_if(hotline),
        "hotline_resolved": _one_if(hotline & solved),
        "hotline_satisfied": _one_if(hotline & Q(rating=Rating.SATISFIED)),
    }
    fact = "case__stats_fact__"
    callback_hotline = Q(**{f"{fact}source": Source.HOTLINE})
    callback_ratings = {
        "rated": one,
        "satisfied": _one_if(Q(satisfaction=Rating.SATISFIED)),
        "basically_satisfied": _one_if(Q(satisfaction=Rating.BASICALLY_SATISFIED)),
        "unsatisfied": _one_if(Q(satisfaction=Rating.UNSATISFIED)),
        "hotline_rated": _one_if(callback_hotline),
        "hotline_resolved": _one_if(callback_hotline & Q(satisfaction__in=SOLVED)),
        "hotline_satisfied": _one_if(callback_hotline & Q(satisfaction=Rating.SATISFIED)),
    }
    for name in ("rated", "satisfied", "basically_satisfied", "unsatisfied"):
        callback_ratings[f"{name}_by_callback"] = callback_ratings[name]
    return [
        rows(
            facts,
            "created_at",
            {
                "reported": one,
                **{column: _one_if(Q(source=source)) for source, column in SOURCE_COLUMNS.items()},
                **{column: _one_if(Q(status=status)) for status, column in STATE_COLUMNS.items()},
            },
        ),
        rows(
            facts.filter(accept_due_at__isnull=False),
            "accept_due_at",
            {
                "accept_due": one,
                "accepted_in_time": _one_if(in_time),
                "hotline_accept_due": _one_if(hotline),
                "hotline_responded": _one_if(hotline & in_time),
            },
        ),
        rows(
            facts.filter(handle_due_at__isnull=False).exclude(status=Status.SUSPENDED),
            "handle_due_at",
            {
                "due": one,
                "handled_in_time": _one_if(
                    Q(status__in=(Status.HANDLED, Status.CLOSED), handled_at__isnull=False)
                    & Q(handled_at__lte=F("handle_due_at"))
                ),
                "closed": _one_if(closed),
                "closed_in_time": _one_if(
                    closed & Q(closed_at__isnull=False, closed_at__lte=F("handle_due_at"))
                ),
            },
        ),
        rows(
            facts.filter(closed, closed_at__isnull=False),
            "closed_at",
            {"closed_in_period": one, "reworked": _one_if(Q(reworked=True))},
        ),
        rows(facts.exclude(rating="").filter(rated_at__isnull=False), "rated_at", ratings),
        rows(
            CallBack.objects.filter(reached=True, case__stats_fact__isnull=False),
            "called_at",
            callback_ratings,
            prefix=fact,
        ),
    ]


def _sum_facts(cut: date | None) -> None:
    """Add up the facts' contributions into the daily sums (from `cut` on), then the daily sums
    into the monthly ones: two INSERT … SELECT statements, all in the database."""
    connection = connections[DailyFigures.objects.db]
    qn = connection.ops.quote_name
    parts = [queryset.query.sql_with_params() for queryset in _cohort_rows(cut)]
    union = " UNION ALL ".join(f"SELECT * FROM ({sql}) AS cohort{i}" for i, (sql, _p) in enumerate(parts))  # noqa: S608
    params = [p for _sql, part in parts for p in part]
    keys = ("k_day", "k_area", "k_community", "k_grid", "k_category", "k_unit", "k_reporter")
    sums = ", ".join(f"SUM({qn('c_' + c)})" for c in COUNT_COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {qn(DailyFigures._meta.db_table)} "  # noqa: S608 — names from the models, values as parameters
            f"({', '.join(qn(c) for c in (*DAILY_KEY, *COUNT_COLUMNS))}) "
            f"SELECT {', '.join(qn(k) for k in keys)}, {sums} FROM ({union}) AS contribution "
            f"GROUP BY {', '.join(qn(k) for k in keys)}",
            params,
        )
    daily = DailyFigures.objects.all() if cut is None else DailyFigures.objects.filter(day__gte=cut)
    monthly = (
        daily.annotate(
            k_month=TruncMonth("day"),
            k_area=Substr("area_code", 1, MONTHLY_CODE_LENGTH),
            k_community=F("community_id"),
            k_category=F("category_id"),
            k_unit=F("unit_id"),
        )
        .values("k_month", "k_area", "k_community", "k_category", "k_unit")
        .annotate(**{f"c_{c}": Sum(c) for c in COUNT_COLUMNS})
        .order_by()
    )
    by_grid = (
        daily.annotate(
            k_month=TruncMonth("day"),
            k_area=F("area_code"),
            k_community=F("community_id"),
            k_grid=F("grid_id"),
            k_unit=F("unit_id"),
            k_reporter=F("reporter_id"),
        )
        .values("k_month", "k_area", "k_community", "k_grid", "k_unit", "k_reporter")
        .annotate(**{f"c_{c}": Sum(c) for c in COUNT_COLUMNS})
        .order_by()
    )
    for model, key, queryset in (
        (MonthlyFigures, MONTHLY_KEY, monthly),
        (MonthlyGridFigures, MONTHLY_GRID_KEY, by_grid),
    ):
        sql, params = queryset.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {qn(model._meta.db_table)} "  # noqa: S608 — names from the models
                f"({', '.join(qn(c) for c in (*key, *COUNT_COLUMNS))}) {sql}",
                params,
            )


# ---------------------------------------------------------------------------------------------
# Reading


# Inside `one_state()`, the state read first (a page asks some twenty times, one answer will do),
# today's facts per scope (every table of the page counts them) and the sums already read.
_read_state: ContextVar[list | None] = ContextVar("rollup_state", default=None)
_read_live: ContextVar[dict | None] = ContextVar("rollup_live", default=None)


def state() -> RollupState | None:
    """The roll-ups' state when they are complete (rebuilt at least once), else None."""
    known = _read_state.get()
    if known:
        return known[0]
    found = RollupState.objects.order_by("-rebuilt_at").first()
    if known is not None:
        known.append(found)
    return found


class one_state(ContextDecorator):  # noqa: N801 — a context manager and decorator, like atomic
    """Everything inside reads the roll-ups' state once (the outermost one decides)."""

    def __enter__(self):
        outermost = _read_state.get() is None
        self._tokens = (_read_state.set([]), _read_live.set({})) if outermost else None

    def __exit__(self, *exc):
        if self._tokens is not None:
            _read_state.reset(self._tokens[0])
            _read_live.reset(self._tokens[1])


def _newest_kept() -> datetime | None:
    """When the newest case event was folded into the roll-ups (on a replica: what it has caught
    up to); read once inside one_state()."""
    cache = _read_live.get()
    if cache is not None and "newest kept" in cache:
        return cache["newest kept"]
    newest = CaseFact.objects.order_by("-kept_at").values_list("kept_at", flat=True).first()
    if cache is not None:
        cache["newest kept"] = newest
    return newest


def kept_as_of() -> datetime | None:
    """Up to when the roll-ups the figures read hold every case event: the newest event folded in,
    or, when figures kept in the shared cache were read (`_shared_past`), the oldest of those."""
    newest = _newest_kept()
    cache = _read_live.get()
    older = cache.get("kept sums as of") if cache is not None else None
    return min(newest, older) if newest is not None and older is not None else newest


def keeps_past_days() -> bool:
    """Whether figures of days before today are kept in the shared cache (`_shared_past`)."""
    return settings.HUIZHI_STATS_ENDED_CACHE_SECONDS > 0


def _shared_past(key: tuple, now: datetime, read):
    """`read()`, figures of days before today (their sums, their facts' times), kept in the shared cache for
    HUIZHI_STATS_ENDED_CACHE_SECONDS for every viewer: like the boards of ended periods, those days
    are summed already and only late events still move them. A running month's, year's or 365
    days' board then reads its past days once per scope in those minutes and counts only today
    (a street's 365 days at a million cases: three grouping-sets reads of ~22 ms each per request
    before). The figures' "as of" says how old the oldest copy read is (`kept_as_of`)."""
    if not keeps_past_days():
        return read()
    seconds = settings.HUIZHI_STATS_ENDED_CACHE_SECONDS
    built = state()
    name = "stats:past:" + hashlib.sha256(repr((key, built and built.rebuilt_at)).encode()).hexdigest()
    # The newest event folded in before the read: what the sums hold at least.
    _made_at, as_of, result = shared_copy(
        name, now, seconds, lambda: (now, _newest_kept(), read()), made_at=lambda copy: copy[0]
    )
    cache = _read_live.get()
    if cache is not None and as_of is not None:
        older = cache.get("kept sums as of")
        cache["kept sums as of"] = as_of if older is None else min(older, as_of)
    return result


def split(first: date, last: date, today: date) -> tuple[tuple[date, date] | None, date | None]:
    """(the days [a, b] the roll-ups answer — those before today, or None; the first day the cases
    answer — today or the period's first day if later, or None)."""
    rolled = (first, min(last, today - timedelta(days=1))) if first < today else None
    raw_from = max(first, today) if last >= today else None
    return rolled, raw_from


def past_seconds(
    code: str, unit_id: int | None, time_field: str, seconds_field: str, first: date, last: date, *, now
) -> array:
    """The facts' `seconds_field` (a time to accept or to fix), sorted, of the subtree of `code` (and
    one unit's cases) whose `time_field` falls on the days [first, last] before today: kept for every
    viewer like the sums (`_shared_past`), so a running period's median and p90 read only today's
    facts at each view (`stats.metrics`; a street's 365 days at a million cases: two reads of ~40,000
    facts, 22 ms each, at every view before). Floats in an array: 8 bytes each in the cache."""
    key = ("seconds", code, unit_id, time_field, seconds_field, first, last)

    def read() -> array:
        facts = CaseFact.objects.filter(
            subtree_q(code, "area_code"),
            **{
                f"{time_field}__gte": midnight(first),
                f"{time_field}__lt": midnight(last + timedelta(days=1)),
                f"{seconds_field}__isnull": False,
            },
        )
        if unit_id is not None:
            facts = facts.filter(unit_id=unit_id)
        return array("d", facts.order_by(seconds_field).values_list(seconds_field, flat=True))

    return _shared_past(key, now, read)


def _months_within(first: date, last: date) -> tuple[date, date] | None:
    """The first days of the first and last whole months in [first, last], or None."""
    start = first if first.day == 1 else (_month_start(first) + timedelta(days=32)).replace(day=1)
    after = last + timedelta(days=1)
    end = _month_start(after)  # the first month not wholly inside
    if start >= end:
        return None
    return start, (end - timedelta(days=1)).replace(day=1)


# What `contributions` reads of a fact.
LIVE_FACT_FIELDS = (
    *("area_code", "community_id", "grid_id", "category_id", "unit_id", "reporter_id", "source", "status"),
    *("reworked", "created_at", "accept_due_at", "decided_at", "handle_due_at", "handled_at", "closed_at"),
    *("rating", "rated_at", "callbacks"),
    *("accept_seconds", "fix_seconds"),  # for today's share of the median and p90 (live_seconds)
)


def _live_facts(code: str, unit_id: int | None, first: date, last: date, now: datetime) -> list:
    """The facts of the subtree of `code` (and one unit's cases) that add anything, at `now`, to a
    day of [first, last]: a timestamp on those days that `contributions(fact, now)` counts — a
    deadline only once it has passed or its case is decided (accepting) or closed (handling), so
    the street's open cases whose deadlines still run are left in the database, and so are the
    decided ones whose deadline falls after `last` (at a million cases, a thousand of a street's
    accepted cases, whose acceptance deadline is tomorrow or later, were read and counted for
    nothing). Read once inside one_state()."""
    cache = _read_live.get()
    key = (code, unit_id, first, last, now)
    if cache is not None and key in cache:
        return cache[key]
    start, end = midnight(first), midnight(last + timedelta(days=1))
    # The call-backs' cases as a list, not a subquery: so each condition is an index range and
    # PostgreSQL ORs the indexes (with a subquery among them it reads every fact of the place).
    called = list(
        CallBack.objects.filter(reached=True, called_at__gte=start).values_list("case_id", flat=True)
    )
    touching = (
        Q(created_at__gte=start)
        | (
            Q(accept_due_at__gte=start, accept_due_at__lt=end)
            & (Q(accept_due_at__lte=now) | Q(decided_at__isnull=False))
        )
        | (
            Q(handle_due_at__gte=start, handle_due_at__lt=end)
            & (Q(handle_due_at__lte=now) | Q(status=Status.CLOSED))
            & ~Q(status=Status.SUSPENDED)
        )
        | Q(closed_at__gte=start)
        | Q(rated_at__gte=start)
        | Q(case_id__in=called)
    )
    facts = CaseFact.objects.filter(touching).filter(subtree_q(code, "area_code"))
    if unit_id is not None:
        facts = facts.filter(unit_id=unit_id)
    # Rows with the fields `contributions` reads, not model instances: a street's thousand facts
    # took 30 ms to build as models.
    found = list(facts.values_list(*LIVE_FACT_FIELDS, named=True))
    if cache is not None:
        cache[key] = found
    return found


def live_seconds(
    code: str, unit_id: int | None, time_field: str, seconds_field: str, first: date, last: date, *, now
) -> list[float]:
    """`past_seconds` for the days [first, last] from today on: taken from the facts today's sums
    read (`_live_facts`, read once per request; they hold every fact created or closed from `first`
    on), not read again — a street's 365 days read its facts' times by an index range over the
    whole street at every view (~10 ms each)."""
    start, end = midnight(first), midnight(last + timedelta(days=1))
    return sorted(
        getattr(fact, seconds_field)
        for fact in _live_facts(code, unit_id, first, last, now)
        if getattr(fact, seconds_field) is not None and start <= getattr(fact, time_field) < end
    )


def _live_by_key(
    code: str, unit_id: int | None, first: date, last: date, now: datetime
) -> dict[tuple, Counter]:
    """`_live_facts`' contributions at `now`, summed per row of the daily sums (DAILY_KEY): worked
    out once inside one_state() — a street's open cases are thousands at a million cases, and
    every table of the page sums them."""
    cache = _read_live.get()
    key = ("by_key", code, unit_id, first, last, now)
    if cache is not None and key in cache:
        return cache[key]
    found: dict[tuple, Counter] = defaultdict(Counter)
    for fact in _live_facts(code, unit_id, first, last, now):
        for daily_key, counts in contributions(fact, now).items():
            found[daily_key].update(counts)
    if cache is not None:
        cache[key] = found
    return found


def live_sums(
    code: str,
    unit_id: int | None,
    first: date,
    last: date,
    group_by: tuple[str, ...] = (),
    *,
    now: datetime,
    columns: Iterable[str] = COUNT_COLUMNS,
    patrol_only: bool = False,
) -> dict[tuple, Counter]:
    """What `sums` gives, for days from today on: the facts' contributions counted at `now` (a
    deadline still running is not yet due), summed in memory — today's cases are few."""
    wanted = set(columns)
    positions = [DAILY_KEY.index("day" if name == "date" else name) for name in group_by]
    reporter = DAILY_KEY.index("reporter_id")
    result: dict[tuple, Counter] = defaultdict(Counter)
    for daily_key, counts in _live_by_key(code, unit_id, first, last, now).items():
        if not first <= daily_key[0] <= last or (patrol_only and not daily_key[reporter]):
            continue
        kept = {name: n for name, n in counts.items() if n and name in wanted}
        if kept:
            result[tuple(daily_key[i] for i in positions)].update(kept)
    return result


def sums(
    code: str,
    unit_id: int | None,
    first: date,
    last: date,
    group_by: tuple[str, ...] = (),
    *,
    columns: Iterable[str] = COUNT_COLUMNS,
    patrol_only: bool = False,
    whole_months: bool = True,
    now: datetime | None = None,
) -> dict[tuple, Counter]:
    """The sums of `columns` over the days [first, last] (all before today: `now`'s day) for the
    subtree of `code` (and one handling unit's cases), per value of `group_by` (roll-up
    dimensions; "date" is the row's day, or the month's first day for a whole month). Whole months
    come from the monthly sums — by community and category for a street or community, else by grid
    and reporter unless grouped by category; not with `whole_months` False (grouping by "date"
    into days or weeks) — the other days from the daily sums. Kept for every viewer for minutes
    (`_shared_past`)."""
    columns = tuple(columns)
    # Inside one_state(), a read already made is not made again (the page's figures and the
    # API's read the same period's sums for the case counts and for the sources and states).
    cache = _read_live.get()
    key = ("sums", code, unit_id, first, last, group_by, columns, patrol_only, whole_months)
    if cache is not None and key in cache:
        return cache[key]
    result = _shared_past(
        key,
        now or timezone.now(),
        lambda: _read_sums(code, unit_id, first, last, group_by, columns, patrol_only, whole_months),
    )
    if cache is not None:
        cache[key] = result
    return result


def _read_sums(
    code, unit_id, first, last, group_by, columns, patrol_only, whole_months
) -> dict[tuple, Counter]:
    """`sums` read from the roll-ups."""
    by_grid = patrol_only or bool({"grid_id", "reporter_id"} & set(group_by))
    if not by_grid and len(code) <= MONTHLY_CODE_LENGTH:
        monthly_model = MonthlyFigures
    elif "category_id" not in group_by:
        monthly_model = MonthlyGridFigures  # every place and person a daily sum has, no category
    else:
        monthly_model = None
    months = _months_within(first, last) if whole_months and monthly_model else None
    parts: list[tuple] = []
    if months is None:
        parts.append((DailyFigures, "day", first, last))
    else:
        month_first, month_last = months
        if first < month_first:
            parts.append((DailyFigures, "day", first, month_first - timedelta(days=1)))
        parts.append((monthly_model, "month", month_first, month_last))
        after_months = (month_last + timedelta(days=32)).replace(day=1)
        if after_months <= last:
            parts.append((DailyFigures, "day", after_months, last))
    result: dict[tuple, Counter] = defaultdict(Counter)
    for model, date_field, a, b in parts:
        fields = tuple(date_field if name == "date" else name for name in group_by)
        planned = _planned_sums(model, a, b, code, unit_id, fields, patrol_only)
        if planned is not None:
            for row_key, counts in planned.items():
                kept = {c: counts[c] for c in columns if counts[c]}
                if kept:
                    result[row_key].update(kept)
            continue
        rows = model.objects.filter(
            subtree_q(code, "area_code"), **{f"{date_field}__gte": a, f"{date_field}__lte": b}
        )
        if unit_id is not None:
            rows = rows.filter(unit_id=unit_id)
        if patrol_only:
            rows = rows.exclude(reporter_id=0)
        aggregates = {f"n_{c}": Sum(c) for c in columns}
        if fields:
            found = rows.values(*fields).annotate(**aggregates).order_by()
        else:
            found = [rows.aggregate(**aggregates)]
        for row in found:
            row_key = tuple(row[name] for name in fields)
            counts = {c: row[f"n_{c}"] or 0 for c in columns}
            if any(counts.values()):
                result[row_key].update(counts)
    return result


# ---------------------------------------------------------------------------------------------
# Several groupings of the same rows in one read (PostgreSQL's GROUPING SETS). The leader's view
# sums a period's rows by nothing, category, community, unit, grid and grid worker: one read of
# each table instead of one per grouping (a street-year at a million cases: 12 reads → 3, ~50 ms).
# Elsewhere (SQLite, or outside plan_groupings) each grouping is read on its own, as above; both
# give the same sums (stats/tests/test_rollups.py runs on both).

_planned: ContextVar[tuple | None] = ContextVar("rollup_planned", default=None)

# The dimensions each table has.
_TABLE_DIMENSIONS = {
    DailyFigures: set(DAILY_KEY),
    MonthlyFigures: set(MONTHLY_KEY),
    MonthlyGridFigures: set(MONTHLY_GRID_KEY),
}


class plan_groupings(ContextDecorator):  # noqa: N801 — a context manager and decorator, like atomic
    """Inside, on PostgreSQL, `sums` reads every one of `groupings` (tuples of dimensions) that a
    table has together with the first that is asked of it, for the same days, place and unit."""

    def __init__(self, groupings: Iterable[tuple[str, ...]]):
        self.groupings = tuple(tuple(g) for g in groupings)

    def __enter__(self):
        self._token = _planned.set(self.groupings)

    def __exit__(self, *exc):
        _planned.reset(self._token)


def _planned_sums(model, a: date, b: date, code: str, unit_id, fields: tuple, patrol_only: bool):
    """The sums of every COUNT_COLUMN per value of `fields`, from a grouping-sets read of `model`
    (made once inside one_state()), or None when this grouping is not planned (then `sums` reads it
    on its own). Only the grid workers' grouping may be of patrol cases only: their reporter is 0
    on every other row, so those rows are left out after the read."""
    planned, cache = _planned.get(), _read_live.get()
    if not planned or cache is None or fields not in planned or (patrol_only and fields != ("reporter_id",)):
        return None
    using = router.db_for_read(model)
    if connections[using].vendor != "postgresql" or not (code.isascii() and code.isdigit()):
        return None
    key = ("grouping sets", model, a, b, code, unit_id)
    if key not in cache:
        sets = [g for g in planned if set(g) <= _TABLE_DIMENSIONS[model]]
        cache[key] = _grouping_sets(model, a, b, code, unit_id, sets, using)
    found = cache[key].get(fields)
    if found is None:
        return None
    if patrol_only:
        return {row_key: counts for row_key, counts in found.items() if row_key[0]}
    return found


def _grouping_sets(model, a: date, b: date, code: str, unit_id, sets: list[tuple], using: str) -> dict:
    """{grouping: {key: {column: sum}}} of `model`'s rows of the subtree of `code` (and one
    unit's) on the days or months [a, b], in one GROUPING SETS query."""
    connection = connections[using]
    name = connection.ops.quote_name
    dimensions = sorted({d for grouping in sets for d in grouping})
    date_field = "day" if model is DailyFigures else "month"
    where = [f"{name('area_code')} >= %s", f"{name('area_code')} < %s"]
    where += [f"{name(date_field)} >= %s", f"{name(date_field)} <= %s"]
    params: list = [code, str(int(code) + 1).zfill(len(code)), a, b]
    if unit_id is not None:
        where.append(f"{name('unit_id')} = %s")
        params.append(unit_id)
    grouping = f"GROUPING({', '.join(name(d) for d in dimensions)})" if dimensions else "0"
    sets_sql = ", ".join("(" + ", ".join(name(d) for d in g) + ")" for g in sets)
    selected = ", ".join(
        [grouping, *(name(d) for d in dimensions), *(f"SUM({name(c)})" for c in COUNT_COLUMNS)]
    )
    table = name(model._meta.db_table)
    # Identifiers are the models' own, quoted; every value is a parameter.
    sql = f"SELECT {selected} FROM {table} WHERE {' AND '.join(where)} GROUP BY GROUPING SETS ({sets_sql})"  # noqa: S608
    # GROUPING() sets a bit, first dimension highest, for each dimension a row is not grouped by.
    by_mask = {
        sum(1 << (len(dimensions) - 1 - i) for i, d in enumerate(dimensions) if d not in g): g for g in sets
    }
    found: dict[tuple, dict] = {g: {} for g in sets}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for mask, *values in cursor.fetchall():
            g = by_mask[mask]
            row = dict(zip(dimensions, values[: len(dimensions)], strict=True))
            counts = dict(zip(COUNT_COLUMNS, (n or 0 for n in values[len(dimensions) :]), strict=True))
            if any(counts.values()):
                found[g][tuple(row[d] for d in g)] = counts
    return found
