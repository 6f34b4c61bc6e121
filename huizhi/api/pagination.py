from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import LimitOffsetPagination

from huizhi.core.pagination import rows_for_ids


class StrictLimitOffsetPagination(LimitOffsetPagination):
    """As DRF's, but a limit or offset that is not a whole number, or a limit of 0, is a 400: DRF
    would silently serve the first page at the default size. The OpenAPI document states the same
    bounds (get_schema_operation_parameters), so what it declares is what is enforced."""

    max_limit = 500

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
        return super().get_offset(request)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = self._least(parameter["name"])
            if parameter["name"] == self.limit_query_param:
                # A larger limit is not refused: it is served as the most a page holds (DRF's rule).
                parameter["description"] = (
                    f"Number of results to return per page, at most {self.max_limit} "
                    f"(a larger limit returns {self.max_limit}); {self.default_limit} by default."
                )
        return parameters

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
