"""Pagination of every list: by page number (`page`, `page_size` at most
MAX_PAGE_SIZE), or by cursor (`cursor`, with the same `page_size`).

A malformed or out-of-bounds `page_size`, or a `page` that is not a positive
number, is a 400 naming the parameter (not silently clamped or ignored); a page
past the end is a 404.

Cursor pages (keyset pagination) cost the same however deep they are: `cursor=start`
gives the first page in id order, and each page's `next` link carries an opaque
cursor (the last id it gave), so the next page is read from the primary key's
index (`id > last ORDER BY id LIMIT n`), with neither an OFFSET that reads every
earlier row nor a count of the whole list. Rows written while a client pages
come after the rows it has not yet read (new ids are larger): each row is given
once, in order. A cursor this list did not give is a 400 naming `cursor`.
"""

import base64
import binascii

from django.utils.translation import gettext as _
from rest_framework import exceptions, pagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

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


CURSOR_PARAM = "cursor"
CURSOR_START = "start"
_CURSOR_PREFIX = "id:"


def encode_cursor(last_pk: int) -> str:
    """The opaque cursor of the page after the row `last_pk`."""
    return base64.urlsafe_b64encode(f"{_CURSOR_PREFIX}{last_pk}".encode()).decode().rstrip("=")


def decode_cursor(request) -> int | None:
    """The id after which the cursor's page starts (0 for `start`), None
    without a cursor; a cursor this API did not give is a 400 naming it."""
    raw = request.query_params.getlist(CURSOR_PARAM)
    if not raw:
        return None
    if len(raw) > 1:
        raise exceptions.ValidationError({CURSOR_PARAM: [_("Give this parameter once.")]})
    if raw[0] == CURSOR_START:
        return 0
    refused = exceptions.ValidationError({CURSOR_PARAM: [_(
        "This is not a cursor this list gave: start with cursor=start and follow the next links."
    )]})
    try:
        text = base64.urlsafe_b64decode(raw[0] + "=" * (-len(raw[0]) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise refused from None
    number = text.removeprefix(_CURSOR_PREFIX)
    if not text.startswith(_CURSOR_PREFIX) or not number.isdigit() or len(number) > 19:
        raise refused
    return int(number)


def _key(row) -> int:
    """The id of a page's row: a model instance, an id (values_list of pks) or a dict."""
    if isinstance(row, int):
        return row
    if isinstance(row, dict):
        return row["pk"] if "pk" in row else row["id"]
    return row.pk


class PageNumberPagination(pagination.PageNumberPagination):
    page_size = DEFAULT_PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    cursor_query_param = CURSOR_PARAM

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
        self.after = decode_cursor(request)
        page = _positive_int(request, self.page_query_param)
        if self.after is None:
            return super().paginate_queryset(queryset, request, view)
        if page is not None:
            raise exceptions.ValidationError({self.cursor_query_param: [_("Give either page or cursor, not both.")]})
        if request.query_params.getlist("ordering"):
            raise exceptions.ValidationError({"ordering": [_(
                "Cursor pages come in id order: leave out ordering, or page by number."
            )]})
        self.request = request
        size = self.get_page_size(request)
        rows = list(queryset.order_by("pk").filter(pk__gt=self.after)[:size + 1])
        self.cursor_next = encode_cursor(_key(rows[size - 1])) if len(rows) > size else None
        return rows[:size]

    def get_paginated_response(self, data):
        if getattr(self, "after", None) is None:
            return super().get_paginated_response(data)
        return Response({"next": self.get_cursor_link(), "previous": None, "results": data})

    def get_cursor_link(self) -> str | None:
        if self.cursor_next is None:
            return None
        url = remove_query_param(self.request.build_absolute_uri(), self.page_query_param)
        return replace_query_param(url, self.cursor_query_param, self.cursor_next)

    def get_paginated_response_schema(self, schema):
        answer = super().get_paginated_response_schema(schema)
        answer["required"] = ["results"]
        answer["properties"]["count"]["description"] = (
            "Rows in the whole list: page-number pages only (a cursor page does not count the list)."
        )
        answer["properties"]["next"]["description"] = (
            "The next page's link (with a cursor: the next cursor page's); null on the last page."
        )
        answer["properties"]["previous"]["description"] = "The previous page's link; always null for a cursor page."
        return answer

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": (
                    "Keyset pagination, fast at any depth: `start` for the first page in id order, then the "
                    "cursor of the `next` link. Not with `page` or `ordering`; the response has no `count`. "
                    "Rows added while paging come after the rows not yet read."
                ),
                "schema": {"type": "string"},
            },
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
