from django.core.paginator import Page, Paginator
from django.db.models import QuerySet


def paginate_by_ids(queryset: QuerySet, page_number, per_page: int) -> Page:
    """A page of `queryset`, sorted and cut on the ids alone, then the page's rows fetched whole.

    Sorting tens of thousands of full rows to show fifty is what makes a long list slow (SQLite
    carries every column through the sort); the ids come from the index, the rows by primary key.
    """
    # The ids alone: joins and prefetches the rows need wait for the page's rows.
    ids_only = queryset.select_related(None).prefetch_related(None).values_list("pk", flat=True)
    page = Paginator(ids_only, per_page).get_page(page_number)
    page.object_list = rows_for_ids(queryset, list(page.object_list))
    return page


def rows_for_ids(queryset: QuerySet, ids: list) -> list:
    """The rows of `queryset` with these primary keys, in the order of `ids` (those still there)."""
    rows = {row.pk: row for row in queryset.order_by().filter(pk__in=ids)}
    return [rows[pk] for pk in ids if pk in rows]


def query_prefix(request) -> str:
    """The list's query string without its page, ready for the pager to add `page=`."""
    keep = request.GET.copy()
    keep.pop("page", None)
    return f"{keep.urlencode()}&" if keep else ""
