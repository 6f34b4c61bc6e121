"""Keyset ("after this row") paging for the REST lists, with a capped count.

A client follows `next`: its opaque `cursor` holds the sort key of the page's last row (for cases
`created_at` and `id`), and the next page is the rows after it in the list's order — a range the
index serves, the same cost on page 1 and page 20,000, and no row skipped or repeated when rows
are added between requests (an offset shifts under them). `offset` still works, up to COUNT_CAP:
an OFFSET reads and drops every row before it. `count` is exact up to COUNT_CAP; beyond, it is
COUNT_CAP with `count_exact` false, as the pages print "10,000+".
"""

from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from huizhi.core import pagination as core_pagination
from huizhi.core.pagination import (
    CURSOR_MOST_CHARS,
    CURSOR_PATTERN,
    beyond_q,
    encode_cursor,
    keyset_order,
    rows_for_ids,
    sort_keys,
)


class KeysetPagination(LimitOffsetPagination):
    """`limit` (1–500), then `cursor` from a `next` or `previous` link, or `offset` (0–10,000);
    a malformed value of any is a 400, never a silent first page."""

    max_limit = 500
    cursor_query_param = "cursor"

    @property
    def max_offset(self) -> int:
        return core_pagination.COUNT_CAP

    # --- parameters ----------------------------------------------------------------------------

    def _least(self, name: str) -> int:
        return 1 if name == self.limit_query_param else 0

    def _whole(self, request, name: str) -> None:
        value = request.query_params.get(name)
        if value is None:
            return
        whole = value.isascii() and value.isdigit()
        # Zero told by its digits, not by int(): Python refuses int() of a very long digit string.
        if not whole or (self._least(name) and not value.strip("0")):
            raise ValidationError(
                {name: _("A whole number of %(least)d or more.") % {"least": self._least(name)}}
            )

    def get_limit(self, request):
        self._whole(request, self.limit_query_param)
        return super().get_limit(request)

    def get_offset(self, request):
        self._whole(request, self.offset_query_param)
        value = request.query_params.get(self.offset_query_param, "0")
        digits = value.lstrip("0")
        if len(digits) > len(str(self.max_offset)) or int(digits or 0) > self.max_offset:
            raise ValidationError(
                {
                    self.offset_query_param: _(
                        "At most %(most)d; to read further, follow the next link (its cursor)."
                    )
                    % {"most": self.max_offset}
                }
            )
        return super().get_offset(request)

    def get_cursor(self, request, keys) -> tuple[list, bool] | None:
        """The sort key and direction a `cursor` holds, each value of its key's type; a 400 for
        anything this list's links could not have made."""
        raw = request.query_params.get(self.cursor_query_param)
        if raw is None:
            return None
        try:
            return core_pagination.decode_cursor(raw, keys, self._opts)
        except ValueError as exc:
            raise ValidationError(
                {self.cursor_query_param: _("Not a cursor of this list: follow its links.")}
            ) from exc

    # --- the page ------------------------------------------------------------------------------

    def paginate_queryset(self, queryset, request, view=None):
        """The page's ids cut on the sort key alone (after the cursor, else at the offset), then its
        rows fetched by primary key (huizhi.core.pagination); the count capped."""
        self.request = request
        self.limit = self.get_limit(request)
        if self.limit is None:
            return None
        self._opts = queryset.model._meta
        self.keys = sort_keys(queryset)
        self.cursor = self.get_cursor(request, self.keys)
        if self.cursor is not None and self.offset_query_param in request.query_params:
            raise ValidationError({self.offset_query_param: _("Give a cursor or an offset, not both.")})
        self.offset = self.get_offset(request)
        cap = core_pagination.COUNT_CAP
        # A view may give its list as disjoint parts that indexes count (CaseViewSet.counted_parts).
        parts = (view.counted_parts() if hasattr(view, "counted_parts") else None) or [queryset]
        counted = sum(part.select_related(None).order_by().values("pk")[: cap + 1].count() for part in parts)
        self.count, self.count_exact = min(counted, cap), counted <= cap

        names = [name for name, _descending in self.keys or ()]
        ordered = queryset.order_by(*keyset_order(self.keys)) if self.keys else queryset
        backwards = False
        if self.cursor is None:
            rows = list(ordered.values_list("pk", *names)[self.offset : self.offset + self.limit + 1])
            more = len(rows) > self.limit
            self.more_before, self.more_after = self.offset > 0, more
        else:
            values, backwards = self.cursor
            beyond = queryset.filter(beyond_q(self.keys, values, backwards))
            rows = list(
                beyond.order_by(*keyset_order(self.keys, backwards)).values_list("pk", *names)[
                    : self.limit + 1
                ]
            )
            more = len(rows) > self.limit
            # The row the cursor names lies on the side it came from.
            self.more_before, self.more_after = (more, True) if backwards else (True, more)
        rows = rows[: self.limit]
        if backwards:
            rows.reverse()
        self.first_key = rows[0][1:] if rows and self.keys else None
        self.last_key = rows[-1][1:] if rows and self.keys else None
        return rows_for_ids(queryset, [row[0] for row in rows])

    # --- links ---------------------------------------------------------------------------------

    def _link(self, key, backwards: bool) -> str:
        url = remove_query_param(self.request.build_absolute_uri(), self.offset_query_param)
        return replace_query_param(url, self.cursor_query_param, encode_cursor(key, backwards))

    def _offset_link(self, offset: int) -> str | None:
        if offset > self.max_offset:
            return None
        url = remove_query_param(self.request.build_absolute_uri(), self.cursor_query_param)
        if offset == 0:
            return remove_query_param(url, self.offset_query_param)
        return replace_query_param(url, self.offset_query_param, offset)

    def get_next_link(self):
        if not self.more_after:
            return None
        if self.last_key is not None:
            return self._link(self.last_key, backwards=False)
        return self._offset_link(self.offset + self.limit) if self.keys is None else None

    def get_previous_link(self):
        if not self.more_before:
            return None
        if self.first_key is not None:
            return self._link(self.first_key, backwards=True)
        if self.keys is None:
            return self._offset_link(max(self.offset - self.limit, 0))
        # An empty page after a cursor or past the end: back to the start of the list.
        return self._offset_link(0)

    def get_paginated_response(self, data):
        return Response(
            {
                "count": self.count,
                "count_exact": self.count_exact,
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "results": data,
            }
        )

    # --- the OpenAPI document ------------------------------------------------------------------

    def get_paginated_response_schema(self, schema):
        cap = core_pagination.COUNT_CAP
        return {
            "type": "object",
            "required": ["count", "count_exact", "results"],
            "properties": {
                "count": {
                    "type": "integer",
                    "minimum": 0,
                    "maximum": cap,
                    "description": f"How many rows the list holds, counted up to {cap:,}: with "
                    f"`count_exact` false there are more than {cap:,}.",
                    "example": 123,
                },
                "count_exact": {
                    "type": "boolean",
                    "description": f"False when the list holds more than {cap:,} rows.",
                },
                "next": {
                    "type": "string",
                    "nullable": True,
                    "format": "uri",
                    "description": "The next page: the same query with a `cursor` for the rows after "
                    "this page's last one. Follow it as it is; null on the last page.",
                },
                "previous": {
                    "type": "string",
                    "nullable": True,
                    "format": "uri",
                    "description": "The page before, by a `cursor` for the rows before this page's "
                    "first one; null on the first page.",
                },
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view):
        cap = core_pagination.COUNT_CAP
        return [
            {
                "name": self.limit_query_param,
                "required": False,
                "in": "query",
                "description": f"Number of results to return per page, at most {self.max_limit} "
                f"(a larger limit returns {self.max_limit}); {self.default_limit} by default.",
                "schema": {"type": "integer", "minimum": 1},
            },
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": "Where the page starts, as the `next` and `previous` links of the "
                "page before give it: an opaque token for the position after (or before) one row "
                "of the list's order. Rows added between requests neither shift nor repeat the "
                "pages. Not with `offset`.",
                "schema": {"type": "string", "pattern": CURSOR_PATTERN, "maxLength": CURSOR_MOST_CHARS},
            },
            {
                "name": self.offset_query_param,
                "required": False,
                "in": "query",
                "description": f"The initial index from which to return the results, at most "
                f"{cap:,}: deeper pages are reached by following `next`. Not with `cursor`.",
                "schema": {"type": "integer", "minimum": 0, "maximum": cap},
            },
        ]
