from django.core.paginator import Page, Paginator
from django.db.models import QuerySet


def paginate_by_ids(queryset: QuerySet, page_number, per_page: int) -> Page:
    """A page of `queryset`, sorted and cut on the ids alone, then the page's rows fetched whole.

    Sorting tens of thousands of full rows to show fifty is what makes a long list slow (SQLite
    carries every column through the sort); the ids come from the index, the rows by primary key.
    """
    page = Paginator(queryset.values_list("pk", flat=True), per_page).get_page(page_number)
    ids = list(page.object_list)
    rows = {row.pk: row for row in queryset.order_by().filter(pk__in=ids)}
    page.object_list = [rows[pk] for pk in ids if pk in rows]
    return page
