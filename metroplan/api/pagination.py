from rest_framework import pagination

MAX_PAGE_SIZE = 500


class PageNumberPagination(pagination.PageNumberPagination):
    """`page` and `page_size` (at most 500)."""

    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
