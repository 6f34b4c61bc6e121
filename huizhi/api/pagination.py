from rest_framework.exceptions import ValidationError
from rest_framework.pagination import LimitOffsetPagination

from huizhi.core.pagination import rows_for_ids


class StrictLimitOffsetPagination(LimitOffsetPagination):
    """As DRF's, but a limit or offset that is not a whole number is a 400, not silently the first page."""

    max_limit = 500

    def _whole(self, request, name: str) -> None:
        value = request.query_params.get(name)
        if value is not None and not (value.isascii() and value.isdigit()):
            raise ValidationError({name: "A whole number of 0 or more."})

    def get_limit(self, request):
        self._whole(request, self.limit_query_param)
        return super().get_limit(request)

    def get_offset(self, request):
        self._whole(request, self.offset_query_param)
        return super().get_offset(request)

    def paginate_queryset(self, queryset, request, view=None):
        """As DRF's, but the page is cut on the ids alone and its rows then fetched by primary key
        (huizhi.core.pagination): sorting full rows of a 100,000-case scope to serve 50 is slow."""
        self.request = request
        self.limit = self.get_limit(request)
        if self.limit is None:
            return None
        self.offset = self.get_offset(request)
        self.count = self.get_count(queryset)
        if self.count == 0 or self.offset > self.count:
            return []
        ids = list(queryset.values_list("pk", flat=True)[self.offset : self.offset + self.limit])
        return rows_for_ids(queryset, ids)
