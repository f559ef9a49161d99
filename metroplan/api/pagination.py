"""Page-number pagination: `page` and `page_size` (at most MAX_PAGE_SIZE).

A malformed or out-of-bounds `page_size`, or a `page` that is not a positive
number, is a 400 naming the parameter (not silently clamped or ignored); a page
past the end is a 404.
"""

from django.utils.translation import gettext as _
from rest_framework import exceptions, pagination

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 500


def _positive_int(request, name: str) -> int | None:
    raw = request.query_params.getlist(name)
    if not raw:
        return None
    if len(raw) > 1:
        raise exceptions.ValidationError({name: [_("Give this parameter once.")]})
    try:
        value = int(raw[0])
    except ValueError:
        raise exceptions.ValidationError({name: [_("Enter a whole number.")]}) from None
    if value < 1:
        raise exceptions.ValidationError({name: [_("Enter a number of at least 1.")]})
    return value


class PageNumberPagination(pagination.PageNumberPagination):
    page_size = DEFAULT_PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE

    def get_page_size(self, request):
        size = _positive_int(request, self.page_size_query_param)
        if size is None:
            return self.page_size
        if size > self.max_page_size:
            raise exceptions.ValidationError(
                {self.page_size_query_param: [_("At most %(max)d rows per page.") % {"max": self.max_page_size}]}
            )
        return size

    def paginate_queryset(self, queryset, request, view=None):
        _positive_int(request, self.page_query_param)
        return super().paginate_queryset(queryset, request, view)

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": self.page_query_param,
                "required": False,
                "in": "query",
                "description": "A page number within the paginated result set (from 1).",
                "schema": {"type": "integer", "minimum": 1},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": f"Rows per page: {DEFAULT_PAGE_SIZE} unless given, at most {MAX_PAGE_SIZE}.",
                "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE},
            },
        ]
