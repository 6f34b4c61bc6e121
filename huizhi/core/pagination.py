from math import ceil

from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.db.models import QuerySet
from django.utils.functional import cached_property

# How many rows a list counts before it says "10,000+": an exact COUNT(*) reads every row of the
# list (164 ms over a million cases), counting at most this many reads a bounded slice of an index.
COUNT_CAP = 10_000
# The deepest row a page may start at: beyond what a database's OFFSET takes (a 64-bit integer),
# a page number is a page past the end, not a query error.
MAX_OFFSET = 2**62


class CappedPaginator(Paginator):
    """A paginator whose count stops at `cap`: `count` is exact up to it, else `cap` with `capped`
    set ("10,000+"). Pages past the cap are still served: whether a page holds rows, and whether
    another follows, is read from the page's own rows (one more than a page), not from the count."""

    def __init__(self, object_list, per_page, cap: int | None = None, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.cap = COUNT_CAP if cap is None else cap

    @cached_property
    def _counted(self) -> int:
        """At most cap + 1 rows counted; unordered, so the database can stop after cap + 1."""
        rows = self.object_list
        if isinstance(rows, QuerySet):
            return rows.order_by()[: self.cap + 1].count()
        return min(len(rows), self.cap + 1)

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
        rows = list(self.object_list[bottom : bottom + self.per_page + 1])
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


def paginate_by_ids(queryset: QuerySet, page_number, per_page: int, cap: int | None = None) -> Page:
    """A page of `queryset`, sorted and cut on the ids alone, then the page's rows fetched whole; the
    list's count capped at `cap` (COUNT_CAP unless given; CappedPaginator), so the page costs the same in any size of list.

    Sorting tens of thousands of full rows to show fifty is what makes a long list slow (SQLite
    carries every column through the sort); the ids come from the index, the rows by primary key.
    """
    # The ids alone: joins and prefetches the rows need wait for the page's rows.
    ids_only = queryset.select_related(None).prefetch_related(None).values_list("pk", flat=True)
    page = CappedPaginator(ids_only, per_page, cap=cap).get_page(page_number)
    page.object_list = rows_for_ids(queryset, list(page.object_list))
    return page


def rows_for_ids(queryset: QuerySet, ids: list) -> list:
    """The rows of `queryset` with these primary keys, in the order of `ids` (those still there)."""
    rows = {row.pk: row for row in queryset.order_by().filter(pk__in=ids)}
    return [rows[pk] for pk in ids if pk in rows]


def query_prefix(request, param: str = "page") -> str:
    """The list's query string without its page (`param`), ready for the pager to add `param=`."""
    keep = request.GET.copy()
    keep.pop(param, None)
    return f"{keep.urlencode()}&" if keep else ""


# The longest search a list's `?q=` takes: a title's words, not a document.
SEARCH_MAX = 50


def search_text(request, param: str = "q") -> str:
    """The list's text search: stripped and cut at SEARCH_MAX characters ("" for none)."""
    return request.GET.get(param, "").strip()[:SEARCH_MAX]


def page_of(rows: QuerySet, page_number, per_page: int) -> Page:
    """A page of a short list (hundreds of rows): the rows themselves, plus one capped count."""
    return CappedPaginator(rows, per_page).get_page(page_number)
