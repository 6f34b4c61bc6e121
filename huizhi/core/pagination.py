import base64
import binascii
import json
import operator
import re
from collections.abc import Callable
from datetime import date, datetime, timedelta
from functools import reduce
from math import ceil

from django.core.exceptions import FieldDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.db import models
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.functional import cached_property

from huizhi.core.dates import in_supported_range

# How many rows a list counts before it says "10,000+": an exact COUNT(*) reads every row of the
# list (164 ms over a million cases), counting at most this many reads a bounded slice of an index.
COUNT_CAP = 10_000
# A text search's count stops sooner ("1,000+"): each match it counts is a table row read and
# rechecked, not an index entry, and a common word in a large street matches tens of thousands.
SEARCH_COUNT_CAP = 1_000
# The deepest row a page may start at: beyond what a database's OFFSET takes (a 64-bit integer),
# a page number is a page past the end, not a query error.
MAX_OFFSET = 2**62


class CappedPaginator(Paginator):
    """A paginator whose count stops at `cap`: `count` is exact up to it, else `cap` with `capped`
    set ("10,000+"). Pages past the cap are still served: whether a page holds rows, and whether
    another follows, is read from the page's own rows (one more than a page), not from the count."""

    def __init__(
        self,
        object_list,
        per_page,
        cap: int | None = None,
        window_key=None,
        counted=None,
        narrow: "Narrow | None" = None,
        **kwargs,
    ):
        super().__init__(object_list, per_page, **kwargs)
        self.cap = COUNT_CAP if cap is None else cap
        # (date-time field, descending) when the list, once past its cap, is read in time windows.
        self.window_key = window_key
        # The same rows, as a query the database counts faster (None: the list itself).
        self.counted = counted
        # How the list's own index reads a window of it (read_in_windows), if it can.
        self.narrow = narrow

    def rows_from(self, rows: QuerySet, start, limit: int, backwards: bool = False) -> list:
        """The first `limit` of `rows`: this list, ordered (`backwards`: against its order) and
        cut beyond `start`, the first sort key's value where the rows begin (None: the top). In
        time windows when the list is windowed and long (read_in_windows), else in one query."""
        if self.window_key and self.capped:
            field, descending = self.window_key
            return read_in_windows(rows, field, descending != backwards, start, limit, self.narrow)
        return list(rows[:limit])

    @cached_property
    def _counted(self) -> int:
        """At most cap + 1 rows counted; unordered, so the database can stop after cap + 1. A list
        whose index reads windows of it (`narrow`) counts its recent rows first (count_recent): a
        common word has more than cap matches there, and counting those costs a fraction of its
        whole list."""
        rows = self.object_list if self.counted is None else self.counted
        if not isinstance(rows, QuerySet):
            return min(len(rows), self.cap + 1)
        if self.window_key and self.narrow is not None:
            recent = count_recent(rows, self.window_key[0], self.narrow, self.cap + 1)
            if recent > self.cap:
                return recent
        return rows.order_by()[: self.cap + 1].count()

    @cached_property
    def count(self) -> int:
        return min(self._counted, self.cap)

    @cached_property
    def capped(self) -> bool:
        """Whether there are more rows than `count` (shown as "count+", with no last page)."""
        return self._counted > self.cap

    @cached_property
    def num_pages(self) -> int:
        """The pages the count reaches; when `capped`, pages beyond it exist too."""
        return max(1, ceil(self.count / self.per_page)) if self.count else 1

    def validate_number(self, number) -> int:
        if not self.capped:
            return super().validate_number(number)
        try:
            number = int(number)
        except (TypeError, ValueError) as exc:
            raise PageNotAnInteger(self.error_messages["invalid_page"]) from exc
        if number < 1:
            raise EmptyPage(self.error_messages["min_page"])
        if (number - 1) * self.per_page > MAX_OFFSET:
            raise EmptyPage(self.error_messages["no_results"])
        return number

    def page(self, number) -> Page:
        number = self.validate_number(number)
        if not self.capped:
            return super().page(number)
        bottom = (number - 1) * self.per_page
        if bottom:
            rows = list(self.object_list[bottom : bottom + self.per_page + 1])
        else:
            rows = self.rows_from(self.object_list, None, self.per_page + 1)
        if not rows and number > 1:
            raise EmptyPage(self.error_messages["no_results"])
        return CappedPage(rows[: self.per_page], number, self, has_more=len(rows) > self.per_page)

    def get_page(self, number) -> Page:
        """As Django's, but a page past the end of a capped list is the first page: its last page
        is not known without the exact count this paginator exists to avoid."""
        try:
            return self.page(number)
        except PageNotAnInteger:
            return self.page(1)
        except EmptyPage:
            return self.page(1 if self.capped else self.num_pages)


class CappedPage(Page):
    """A page of a capped list: whether another page follows was read with the page's rows."""

    def __init__(self, object_list, number, paginator, *, has_more: bool):
        super().__init__(object_list, number, paginator)
        self.has_more = has_more

    def has_next(self) -> bool:
        return self.has_more

    def end_index(self) -> int:
        return self.start_index() + len(self.object_list) - 1 if self.object_list else 0


# Time windows ------------------------------------------------------------------------------------
# A search keeps a small share of a long list: a common word a fifth of a street's titles, the
# street a twelfth of the district. Its newest page is then cheapest read from the newest rows
# onwards, a few hundred checked; a rare word's, from the word's index, all of its few matches
# sorted. PostgreSQL picks between the two on its estimate of how many rows match, and for a word
# in titles within a scope that estimate multiplies shares that are not independent (the word's,
# the place's, the text recheck's): it guessed a handful where 18,855 of a street's 82,862 cases
# held 垃圾, read them all and sorted them to show fifty (100–170 ms at a million cases).
# So a search past its count cap (more matches than it counts: a common word) is read window by
# window of its date: the 3 days from where the page starts, then the 12 before them, 48, … each
# window one query, whose matches PostgreSQL finds by ANDing the word's index with the window's
# range of the date index and reads only those; the windows stop as soon as the page is full (a
# common word's page is its first window: 16 ms at a million cases, where it was 100).
# Under the cap (a rare word: at most SEARCH_COUNT_CAP matches) one query sorts them all.

# How far each window reaches from where the page starts: 3, 15, 63, 255, 1,023, 4,095 days, then
# the rest. Each query pays a fixed part (the word's index) however narrow its window: few, wide steps.
WINDOW_REACHES = tuple(timedelta(days=4**k - 1) for k in range(1, 7))
# What a windowed list's count reads first (count_recent): a count reads every row it counts
# (cap + 1 of a common word's), so a window must be wide enough to hold them (3 days held 851 of a
# street's 垃圾 at a million cases) and narrow enough for its spans to narrow it. Only one: a rare
# word is then counted whole, and each window tried before would be a query wasted.
COUNTED_REACH = WINDOW_REACHES[1]


# A list's own way to read one window of it: `narrow(rows, earliest, latest)` gives `rows` dated
# from `earliest` up to (not including) `latest` as its index reads them best, or None when its
# index reads that window no better than plain bounds do (_within). A search's:
# huizhi.cases.search.narrow_to_window.
Narrow = Callable[[QuerySet, datetime | None, datetime | None], QuerySet | None]


def _within(field: str) -> Narrow:
    """A window as plain bounds on `field`: what a list without a Narrow of its own is read by."""

    def within(rows: QuerySet, earliest, latest) -> QuerySet:
        if earliest is not None:
            rows = rows.filter(**{f"{field}__gte": earliest})
        if latest is not None:
            rows = rows.filter(**{f"{field}__lt": latest})
        return rows

    return within


def read_in_windows(
    rows: QuerySet, field: str, descending: bool, start, limit: int, narrow: Narrow | None = None
) -> list:
    """The first `limit` of `rows` (sorted on the date-time `field` first, newest first when
    `descending`), read in windows of `field` moving away from `start` (now when None), as far as
    WINDOW_REACHES say, the last one open-ended; one query per window, until `limit` are found.
    `narrow`: how the list's index reads a window (Narrow), if it can."""
    if start is None and not descending:
        return list(rows[:limit])  # oldest first from the very first: no edge to start from
    edge = start if isinstance(start, datetime) else timezone.now()
    found, near = [], None
    if narrow is not None and start is None:
        # Rows dated after now (a clock ahead): apart, as a window ending now is what narrows.
        found += _within(field)(rows, edge, None)[:limit]
        if len(found) >= limit:
            return found
        near = edge
    within = _within(field)
    for reach in (*WINDOW_REACHES, None):
        try:
            far = None if reach is None else edge - reach if descending else edge + reach
        except OverflowError:  # past year 1 or 9999: the window is the rest of the list
            far = None
        # The near side is open where a cursor starts the window (the rows are cut beyond it):
        # the cursor's row, at `edge`, bounds it, which a Narrow may use.
        earliest, latest = (far, near) if descending else (near, far)
        if narrow is not None and near is None:
            earliest, latest = (far, _after(edge)) if descending else (edge, far)
        window = narrow(rows, earliest, latest) if narrow is not None else None
        if window is None:
            window = within(rows, earliest, latest)
        found += window[: limit - len(found)]
        if len(found) >= limit or far is None:
            return found
        near = far
    return found


def _after(moment: datetime) -> datetime | None:
    """The first moment after `moment` a database keeps (microseconds), as a window's end; None
    (no end) after the calendar's last."""
    try:
        return moment + timedelta(microseconds=1)
    except OverflowError:
        return None


def count_recent(rows: QuerySet, field: str, narrow: Narrow, limit: int) -> int:
    """How many of `rows` are dated after now or in the COUNTED_REACH before it (that window read
    as its Narrow reads it), counting no more than `limit`. A lower bound of the list's count:
    `limit` proves the list holds as many; fewer says nothing, and the list is counted whole."""
    now = timezone.now()
    rows = rows.order_by()
    counted = _within(field)(rows, now, None)[:limit].count()
    recent = narrow(rows, now - COUNTED_REACH, now)
    if recent is not None and counted < limit:
        counted += recent[: limit - counted].count()
    return counted


CURSOR_PARAM = "cursor"

# Keyset ("after this row") paging ---------------------------------------------------------------
# A page reached by a cursor is the rows after (or before) the row whose sort key the cursor holds:
# a range the index serves, the same cost on page 2 and page 20,000, and no row skipped or repeated
# when rows are added between requests (an OFFSET reads and drops every row before it, and shifts
# under new rows). The REST lists (huizhi.api.pagination) and the console's lists share it.

# The sort keys a cursor may hold: values that round-trip through JSON exactly.
KEY_FIELDS = (models.DateTimeField, models.DateField, models.IntegerField, models.AutoField, models.CharField)
CURSOR_PATTERN = "^[A-Za-z0-9_-]+$"  # base64url, unpadded
CURSOR_MOST_CHARS = 400  # a few keys, base64: far more than any real cursor needs
BIGINT = 2**63


def sort_keys(queryset: QuerySet) -> list[tuple[str, bool]] | None:
    """The list's order as (field name, descending) pairs ending in a unique field (the primary key
    added when the order has none), or None when it cannot be a keyset: an expression, a related
    field's path, a nullable field, a field whose values a cursor cannot hold."""
    query = queryset.query
    opts = query.get_meta()
    order = query.order_by or (opts.ordering if query.default_ordering else ())
    keys = []
    for item in order:
        if not isinstance(item, str) or item == "?":
            return None
        descending, name = item.startswith("-"), item.lstrip("-")
        try:
            field = opts.pk if name == "pk" else opts.get_field(name)
        except FieldDoesNotExist:  # an annotation
            return None
        if field.null or not field.concrete or not isinstance(field, KEY_FIELDS):
            return None
        keys.append((field.name, descending))
        if field.primary_key or field.unique:
            return keys
    return [*keys, (opts.pk.name, keys[-1][1] if keys else False)]


def beyond_q(keys: list[tuple[str, bool]], values: list, backwards: bool) -> Q:
    """Rows after (or, backwards, before) the row whose sort key is `values`, in the list's order:
    (k1 beyond v1) or (k1 = v1 and k2 beyond v2) or … The first key's bound is repeated on its own,
    so that the database starts its index scan at the cursor instead of filtering from the top."""
    arms, equal = [], {}
    for (name, descending), value in zip(keys, values, strict=True):
        comparison = "lt" if descending != backwards else "gt"
        arms.append(Q(**equal, **{f"{name}__{comparison}": value}))
        equal[name] = value
    (first, descending), first_value = keys[0], values[0]
    bound = Q(**{f"{first}__{'lte' if descending != backwards else 'gte'}": first_value})
    return bound & reduce(operator.or_, arms)


def keyset_order(keys: list[tuple[str, bool]], backwards: bool = False) -> list[str]:
    return [f"{'-' if descending != backwards else ''}{name}" for name, descending in keys]


def encode_cursor(values, backwards: bool) -> str:
    shown = [v.isoformat() if isinstance(v, date) else v for v in values]
    raw = json.dumps({"b" if backwards else "a": shown}, separators=(",", ":"), ensure_ascii=False)
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(raw: str, keys, opts) -> tuple[list, bool]:
    """The sort key and direction `raw` holds, each value of its key's type (`opts`: the model's
    _meta); ValueError for anything that is not a direction and one value of each key's type
    (in the supported range, for dates)."""
    if keys is None or len(raw) > CURSOR_MOST_CHARS or not re.fullmatch(CURSOR_PATTERN, raw):
        raise ValueError("not a cursor")
    try:
        decoded = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)).decode())
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise ValueError("not a cursor") from exc
    if not isinstance(decoded, dict) or len(decoded) != 1 or next(iter(decoded)) not in ("a", "b"):
        raise ValueError("not a cursor")
    direction, shown = next(iter(decoded.items()))
    if not isinstance(shown, list) or len(shown) != len(keys):
        raise ValueError("not a cursor")
    values = [
        _key_value(opts.get_field(name), value)
        for (name, _descending), value in zip(keys, shown, strict=True)
    ]
    return values, direction == "b"


def _key_value(field, value):
    if isinstance(field, (models.IntegerField, models.AutoField)):
        if type(value) is not int or not -BIGINT < value < BIGINT:
            raise ValueError("not a key")
        return value
    if not isinstance(value, str) or "\x00" in value:
        raise ValueError("not a key")
    try:
        parsed = field.to_python(value)
    except DjangoValidationError as exc:
        raise ValueError("not a key") from exc
    if isinstance(field, models.DateTimeField):
        if parsed is None or timezone.is_naive(parsed) or not in_supported_range(parsed):
            raise ValueError("not a key")
    elif isinstance(field, models.DateField) and (parsed is None or not in_supported_range(parsed)):
        raise ValueError("not a key")
    return parsed


class KeysetPage(Page):
    """A page of a list reached by a cursor: whether pages lie before and after it was read with its
    rows (one more than a page, beyond the cursor). Its number, and `pages`, the pages shown in all:
    counted for a list counted whole; for a capped one the number its link carried, for showing
    only, and `pages` None."""

    def __init__(
        self, object_list, number, paginator, *, has_previous: bool, has_next: bool, pages: int | None = None
    ):
        super().__init__(object_list, number, paginator)
        self._has_previous, self._has_next, self.pages = has_previous, has_next, pages

    def has_next(self) -> bool:
        return self._has_next

    def has_previous(self) -> bool:
        return self._has_previous

    def next_page_number(self) -> int:
        return self.number + 1

    def previous_page_number(self) -> int:
        return max(1, self.number - 1)

    def start_index(self) -> int:
        return 0  # not known without counting the rows before the cursor

    def end_index(self) -> int:
        return 0


def _page_after(paginator: "CappedPaginator", keys, position, number) -> Page | None:
    """The page of `paginator`'s rows (sorted on `keys`) beyond `position`, or None when none is.
    A position of no values (None, True) is the list's end: its last page."""
    values, backwards = position
    beyond = paginator.object_list
    if values is not None:
        beyond = beyond.filter(beyond_q(keys, values, backwards))
    rows = paginator.rows_from(
        beyond.order_by(*keyset_order(keys, backwards)),
        values[0] if values is not None else None,
        paginator.per_page + 1,
        backwards,
    )
    if not rows:
        return None
    more = len(rows) > paginator.per_page
    rows = rows[: paginator.per_page]
    if backwards:
        rows.reverse()
    if not paginator.capped:
        # A list it counts whole is short: the rows before the page are counted too (no more than
        # the cap), so its number is where it is — not what a link, perhaps forged, or a list
        # that has changed since the link was made, says — and a cursor between two of the list's
        # own pages shows as many pages around it as the rows on each side fill.
        before = paginator.object_list.filter(beyond_q(keys, rows[0][1:], backwards=True)).count()
        after = max(paginator.count - before - len(rows), 0)
        number = -(-before // paginator.per_page) + 1
        return KeysetPage(
            rows,
            number,
            paginator,
            has_previous=before > 0,
            has_next=after > 0,
            pages=number + -(-after // paginator.per_page),
        )
    # The side the page was read towards is known from its one extra row; the side it came from is
    # asked (the cursor's own row may have left the list, or a forged cursor name no row of it).
    if backwards:
        came_from = values is not None and _any_beyond(paginator, keys, values, rows[-1], backwards=False)
        has_previous, has_next = more, came_from
    else:
        has_previous, has_next = _any_beyond(paginator, keys, values, rows[0], backwards=True), more
    try:
        number = int(number)
    except (TypeError, ValueError):
        number = 2  # shown only: a page with pages before it is at least the second
    # The link's number is shown, never believed: within the pages a capped list can hold.
    number = min(number, MAX_OFFSET // paginator.per_page + 1)
    number = max(number, 2) if has_previous else 1
    return KeysetPage(rows, number, paginator, has_previous=has_previous, has_next=has_next)


def _any_beyond(paginator: "CappedPaginator", keys, cursor, row, backwards: bool) -> bool:
    """Whether the list has a row beyond `row` (pk, *sort key), after it or (`backwards`) before,
    where the `cursor`'s row lies. That row first, found by its key (unique): a link the pager made
    names a row of the list, and asking for any row beyond cost a common word's search at a million
    cases 17 ms (the whole word's index) where the one row costs an index probe."""
    rows = paginator.object_list
    by_key = {name: value for (name, _descending), value in zip(keys, cursor, strict=True)}
    return rows.filter(**by_key).exists() or rows.filter(beyond_q(keys, list(row[1:]), backwards)).exists()


def paginate_by_ids(
    queryset: QuerySet,
    page_number,
    per_page: int,
    cap: int | None = None,
    cursor: str | None = None,
    windows: "bool | Narrow" = False,
    counted: QuerySet | None = None,
) -> Page:
    """A page of `queryset`, sorted and cut on the ids alone, then the page's rows fetched whole; the
    list's count capped at `cap` (COUNT_CAP unless given; CappedPaginator), so the page costs the same in any size of list.

    Sorting tens of thousands of full rows to show fifty is what makes a long list slow (SQLite
    carries every column through the sort); the ids come from the index, the rows by primary key.
    When the list's order is a keyset (`sort_keys`), the page carries `next_cursor` and
    `previous_cursor` for its links, and a `cursor` from such a link gives the page beyond it
    (one that is not a cursor of this list's keys is ignored: the page by its number instead;
    one with nothing beyond it gives the first page, or the last when it pointed forward).
    `windows`: a list that keeps few of the rows its order's index walks (a search) reads its
    pages in time windows once it has more rows than it counts (read_in_windows); given as its
    Narrow, its index is asked for each window (and its count counts its recent rows first).
    `counted`: the same rows as `queryset`, as a query the database counts faster; counted, never
    shown.
    """
    keys = sort_keys(queryset)
    names = [name for name, _descending in keys or ()]
    # The ids and sort keys alone: joins and prefetches the rows need wait for the page's rows.
    keyed = queryset.select_related(None).prefetch_related(None)
    keyed = keyed.order_by(*keyset_order(keys)) if keys else keyed
    window_key = None
    if windows and keys and isinstance(queryset.model._meta.get_field(keys[0][0]), models.DateTimeField):
        window_key = keys[0]
    narrow = windows if callable(windows) else None
    if counted is not None:
        counted = counted.select_related(None).prefetch_related(None).values_list("pk")
    paginator = CappedPaginator(
        keyed.values_list("pk", *names),
        per_page,
        cap=cap,
        window_key=window_key,
        counted=counted,
        narrow=narrow,
    )
    page = None
    if cursor and keys:
        try:
            position = decode_cursor(cursor, keys, queryset.model._meta)
        except ValueError:
            position = None
        if position:
            page = _page_after(paginator, keys, position, page_number)
            if page is None and not position[1]:
                # Nothing after it any more (those rows left the list since the link was made):
                # the list's last page, not a page by number seen before.
                page = _page_after(paginator, keys, (None, True), page_number)
            if page is None:
                page = paginator.get_page(1)
    if page is None:
        page = paginator.get_page(page_number)
    rows = list(page.object_list)
    page.next_cursor = encode_cursor(rows[-1][1:], False) if keys and rows else ""
    page.previous_cursor = encode_cursor(rows[0][1:], True) if keys and rows else ""
    page.object_list = rows_for_ids(queryset, [row[0] for row in rows])
    return page


def list_page(
    request,
    queryset: QuerySet,
    per_page: int,
    cap: int | None = None,
    cursors: bool = True,
    windows: "bool | Narrow" = False,
    counted: QuerySet | None = None,
) -> Page:
    """The page of a console list its link asks for (`page`, and the `cursor` its pager adds).
    `cursors=False` for a list whose sort key must not travel in a URL (proxies and access logs
    keep URLs): its pager links by page number only. `windows`, `counted`: see paginate_by_ids."""
    if not cursors:
        page = paginate_by_ids(
            queryset, request.GET.get("page"), per_page, cap=cap, windows=windows, counted=counted
        )
        page.next_cursor = page.previous_cursor = ""
        return page
    return paginate_by_ids(
        queryset,
        request.GET.get("page"),
        per_page,
        cap=cap,
        cursor=request.GET.get(CURSOR_PARAM),
        windows=windows,
        counted=counted,
    )


def rows_for_ids(queryset: QuerySet, ids: list) -> list:
    """The rows of `queryset` with these primary keys, in the order of `ids` (those still there)."""
    rows = {row.pk: row for row in queryset.order_by().filter(pk__in=ids)}
    return [rows[pk] for pk in ids if pk in rows]


def query_prefix(request, param: str = "page") -> str:
    """The list's query string without its page (`param`) and cursor, ready for the pager to add
    `param=` (and a `cursor=` of its own)."""
    keep = request.GET.copy()
    keep.pop(param, None)
    keep.pop(CURSOR_PARAM, None)
    return f"{keep.urlencode()}&" if keep else ""


# The longest search a list's `?q=` takes: a title's words, not a document.
SEARCH_MAX = 50


def search_text(request, param: str = "q") -> str:
    """The list's text search: stripped and cut at SEARCH_MAX characters ("" for none)."""
    return request.GET.get(param, "").strip()[:SEARCH_MAX]


def page_of(rows: QuerySet, page_number, per_page: int) -> Page:
    """A page of a short list (hundreds of rows): the rows themselves, plus one capped count."""
    return CappedPaginator(rows, per_page).get_page(page_number)
