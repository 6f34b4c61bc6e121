"""Title search that an index serves for Chinese words of two characters.

A trigram index cannot serve a two-character word (it has no trigram), and Chinese has no spaces
for a full-text parser to split on. So each case stores the characters and character pairs
(bigrams) of its title in `Case.title_terms`, and on PostgreSQL a GIN index over those terms as
an array answers "which titles hold every pair of the query" (`@>`). The same `icontains` as
before then rechecks the candidates, so the rows found are exactly those `icontains` finds (a
title holding every pair of "宠物粪便" need not hold the phrase): the index only narrows.

Measured on 100,000 titles (PostgreSQL 15, a page of 51 newest first): a rare 2-character word
1.5-6 ms against 99-109 ms by `icontains` alone; a 4-character phrase 1.8 ms against 191 ms; the
capped count 0.2-5 ms against 91-158 ms. A tsvector of the same terms (`to_tsvector('simple',
…)`) measured the same and the same size; the array was kept because it does not depend on how
the text parser splits CJK characters. On SQLite (a laptop's street) `icontains` alone is used.

The index also holds, for each case, its place's code at every level a scope can be (district,
street, community, grid) as a term "@<code>", read off `place_code` by the index expression itself
(no stored copy to keep in step). A search within one place then asks the index for both at once
(`@> {垃圾, @341103001}`): GIN intersects the two lists, and the planner, whose statistics hold
both terms' frequencies, knows how few rows that leaves. With the place as a separate range, a
frequent word in a large street made it read both whole lists apart and AND them (a million
cases: 83 k codes of the street's range, 225 k cases holding 垃圾) — a cost that grew with the
district's history instead of with the page.
"""

from datetime import UTC, datetime, timedelta

from django.db import connection
from django.db.models import (
    DateTimeField,
    ExpressionWrapper,
    F,
    Func,
    Max,
    Min,
    Q,
    QuerySet,
    TextField,
    Value,
)

from huizhi.places.codes import CODE_RULES
from huizhi.places.kinds import PlaceKind

TERMS_SEPARATOR = " "
# The place levels the index holds a term for: those a user's scope or a list's filter can be.
PLACE_TERM_LENGTHS = tuple(
    CODE_RULES[kind][1]
    for kind in (PlaceKind.DISTRICT, PlaceKind.STREET, PlaceKind.COMMUNITY, PlaceKind.GRID)
)
PLACE_TERM_MARK = "@"  # never in a title's terms: those are one or two characters


def _folded(text: str) -> str:
    # casefold, character by character: whenever PostgreSQL's UPPER(title) LIKE UPPER('%q%')
    # matches, the folded query's pairs are among the folded title's (a coarser folding than the
    # database's only finds more candidates, which the recheck then drops).
    return "".join(ch.casefold() for ch in text)


def _terms(text: str, *, unigrams: bool) -> list[str]:
    folded = _folded(text)
    terms = set()
    for i, ch in enumerate(folded):
        if ch.isspace():
            continue  # the stored terms are separated by spaces; a term never holds one
        if unigrams:
            terms.add(ch)
        if i + 1 < len(folded) and not folded[i + 1].isspace():
            terms.add(folded[i : i + 2])
    return sorted(terms)


def title_terms(title: str) -> str:
    """What `Case.title_terms` holds for `title`: its characters and character pairs, folded,
    space-separated. Set by the case services wherever a title is written."""
    return TERMS_SEPARATOR.join(_terms(title, unigrams=True))


def query_terms(query: str) -> list[str]:
    """The terms a title must hold to contain `query`: its pairs (a pair implies its characters),
    or its one character."""
    pairs = _terms(query, unigrams=False)
    return pairs or _terms(query, unigrams=True)


def place_term(code: str) -> str | None:
    """The index's term for the place `code` (and everything below it), or None when the index
    holds none for a code of its length."""
    return (
        f"{PLACE_TERM_MARK}{code}"
        if len(code) in PLACE_TERM_LENGTHS and code.isascii() and code.isdigit()
        else None
    )


class PlaceTerms(Func):
    """`place_code`'s place terms as an array: "@" and its first 6, 9, 12 and 15 digits (a code
    shorter than a level repeats its own, which no query of that level asks for)."""

    arity = 1

    def __init__(self, expression, **extra):
        from django.contrib.postgres.fields import ArrayField

        super().__init__(expression, output_field=ArrayField(TextField()), **extra)

    def as_sql(self, compiler, connection, **extra_context):
        code, params = compiler.compile(self.source_expressions[0])
        items = ", ".join(f"'{PLACE_TERM_MARK}' || left({code}, {length})" for length in PLACE_TERM_LENGTHS)
        return f"ARRAY[{items}]", params * len(PLACE_TERM_LENGTHS)


# The span of days a case was reported in, as a term of the index: "#" and the number of whole
# spans of SPAN_SECONDS from 1970 (UTC) to its report. A common word's page of the newest matches
# is read in time windows (huizhi.core.pagination.read_in_windows); asking the index for the word
# alone read its whole list, and the street's, for each window (7 ms at a million cases for 垃圾
# in a street, 18,721 matches) to keep a few hundred. With the window's spans asked as well (any of
# them: `&&`), the index reads the word's list only where it meets theirs.
SPAN_SECONDS = 10 * 86400
SPAN = timedelta(seconds=SPAN_SECONDS)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# Not a place's term ("@…"); a title's pair "#0" … "#9" is also the span of a case reported in the
# first 100 days of 1970, which only lets the index offer a few more rows for the text to drop.
SPAN_MARK = "#"
# A window of more spans is not narrowed: their lists together grow towards the table's, and such
# a window is reached only for a word so rare that its own list is short.
MOST_SPANS = 8


class ReportSpanTerm(Func):
    """The report's span term (SPAN_SECONDS) as a one-element array. Written with constants only,
    so the index's expression and the queries' are the same text."""

    arity = 1

    def __init__(self, expression, **extra):
        from django.contrib.postgres.fields import ArrayField

        super().__init__(expression, output_field=ArrayField(TextField()), **extra)

    def as_sql(self, compiler, connection, **extra_context):
        created, params = compiler.compile(self.source_expressions[0])
        # AT TIME ZONE 'UTC' makes the epoch immutable (an index may hold it); the span's number
        # is the same in every zone.
        epoch = f"extract(epoch from ({created} AT TIME ZONE 'UTC'))"
        return f"ARRAY['{SPAN_MARK}' || floor({epoch} / {SPAN_SECONDS})::bigint::text]", params


def span_terms(earliest: datetime, latest: datetime) -> list[str] | None:
    """The span terms of every case reported from `earliest` up to `latest`, or None when they are
    more than MOST_SPANS (not worth asking for)."""
    # Whole microseconds, not a float's seconds: before 1425 or after 2514 a float rounds a moment
    # just before a span's start into it, and the row there would not be asked for.
    first, last = ((moment - EPOCH) // SPAN for moment in (earliest, latest))
    if last - first + 1 > MOST_SPANS:
        return None
    return [f"{SPAN_MARK}{n}" for n in range(first, last + 1)]


def narrow_to_window(cases: QuerySet, earliest: datetime | None, latest: datetime | None) -> QuerySet | None:
    """`cases` (a title search, filter_by_title) reported from `earliest` up to `latest`, asking
    the index for the window's span terms together with the words (huizhi.core.pagination.Narrow);
    None where the index is not used (SQLite), the window is open or spans too many spans."""
    if connection.vendor != "postgresql" or earliest is None or latest is None:
        return None
    spans = span_terms(earliest, latest)
    if spans is None:
        return None
    # The exact bounds on the report time plus nothing: the same values, which the date index does
    # not serve. Offered that index's range for the window, PostgreSQL ANDed it with the terms
    # index (8.6 ms for 56,000 entries at a million cases) to spare fetching a few hundred rows the
    # bounds then drop; the span terms have already narrowed the window to those.
    reported = ExpressionWrapper(F("created_at") + Value(timedelta(0)), output_field=DateTimeField())
    return cases.alias(title_terms_array=terms_array(), reported=reported).filter(
        title_terms_array__overlap=spans, reported__gte=earliest, reported__lt=latest
    )


def terms_array():
    """The title's terms, its place's terms and its report's span term as the array the GIN index
    is built on (the same expression, so the index serves it)."""
    from django.contrib.postgres.fields import ArrayField

    title_array = Func(
        F("title_terms"),
        Value(TERMS_SEPARATOR),
        function="string_to_array",
        output_field=ArrayField(TextField()),
    )
    with_places = Func(
        title_array, PlaceTerms(F("place_code")), function="array_cat", output_field=ArrayField(TextField())
    )
    return Func(
        with_places,
        ReportSpanTerm(F("created_at")),
        function="array_cat",
        output_field=ArrayField(TextField()),
    )


def filter_by_title(cases: QuerySet, query: str, within: str = "") -> QuerySet:
    """Cases whose title contains `query`, case-insensitively: exactly `title__icontains`, served
    by the terms index on PostgreSQL. A one-character query is served by the index too (every
    character is a term): people do search for 堵 or 漏. `within`: a place code every case of
    `cases` already lies under (their scope), asked of the index together with the words."""
    if not query:
        return cases
    contains = Q(title__icontains=query)
    if not _index_serves(query):
        return cases.filter(contains)
    terms = query_terms(query)
    if title_filter_keeps_within(query, within) and _some_case_outside(cases.model, within):
        terms = [*terms, place_term(within)]
    return cases.alias(title_terms_array=terms_array()).filter(contains, title_terms_array__contains=terms)


def _index_serves(query: str) -> bool:
    return connection.vendor == "postgresql" and bool(query_terms(query))


def title_filter_keeps_within(query: str, within: str) -> bool:
    """Whether `filter_by_title(cases, query, within)` itself keeps only cases under the place
    `within`, whatever `cases` holds: on PostgreSQL, when the index is asked for the place's term
    together with the words (or need not be: every case lies in the place). The same cases as the
    place's code range then, which PostgreSQL cannot tell: see huizhi.cases.selectors.case_queue_counted."""
    return _index_serves(query) and place_term(within) is not None


def _some_case_outside(model, code: str) -> bool:
    """Whether any case lies outside the place `code`. When none does (a district-wide deployment's
    district), its term is in every row, and asking the index for it reads a list as long as the
    table to narrow nothing: 43 ms of a district leader's search at a million cases.

    The lowest and highest place codes, both outside-free iff they start with `code` (codes between
    two that share a prefix share it): a query with no parameter, which PostgreSQL answers from
    the two ends of a place-code index in any plan. (Probing `place_code < %s` instead was planned
    once for any value as a scan expecting a row soon, and for the first street, which has none
    below it, read the whole table: 140 ms on average, found by the city benchmark.)"""
    ends = model._default_manager.aggregate(lowest=Min("place_code"), highest=Max("place_code"))
    return not all(end is None or end.startswith(code) for end in ends.values())
