"""GET /api/v1/changes/?after=<cursor>: the change feed (metroplan.changes).

Every create, update, delete and workflow transition of plans, goals,
actions, indicators, members, periods, updates and reports that the caller
may see, in commit order. A page is read by keyset on the feed's sequence
(an index), so it costs the same whatever the history's length; the cursor
is opaque and replaying from any cursor gives the same sequence.
"""

import base64
import binascii

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.response import Response

from metroplan.api.viewsets import ApiViewSet
from metroplan.models import Change

DEFAULT_FEED_PAGE = 100
MAX_FEED_PAGE = 1000
CURSOR_PREFIX = "mpc1:"


def cursor_for(sequence: int) -> str:
    """An opaque cursor: the position just after the change numbered `sequence`."""
    return base64.urlsafe_b64encode(f"{CURSOR_PREFIX}{sequence}".encode()).decode().rstrip("=")


def sequence_of(cursor: str) -> int:
    """The position a cursor names; a cursor this API did not give is a 400 naming `after`."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
        if not raw.startswith(CURSOR_PREFIX):
            raise ValueError(raw)
        sequence = int(raw.removeprefix(CURSOR_PREFIX))
        if sequence < 0 or sequence > 2**63 - 1:
            raise ValueError(raw)
        return sequence
    except (ValueError, UnicodeDecodeError, binascii.Error):
        raise exceptions.ValidationError(
            {"after": [_("Give a cursor as this API gave it (the `cursor` of a change or of a page).")]}
        ) from None


def _one(request, name: str) -> str | None:
    values = request.query_params.getlist(name)
    if not values:
        return None
    if len(values) > 1:
        raise exceptions.ValidationError({name: [_("Give this parameter once.")]})
    if not values[0].strip():
        raise exceptions.ValidationError({name: [_("Give a value, or leave the parameter out.")]})
    return values[0]


class ChangeSerializer(serializers.ModelSerializer):
    cursor = serializers.SerializerMethodField(help_text="Continue after this change with `?after=<cursor>`.")
    type = serializers.CharField(
        source="object_type", help_text="plan, goal, action, indicator, member, period, update or report."
    )
    key = serializers.CharField(
        source="object_key", help_text="How the API names the object: a code (plans, goals, actions, periods), "
        "a slug (members) or an id (indicators, updates, reports).",
    )
    kind = serializers.ChoiceField(
        choices=Change.Kind.choices,
        help_text="created, updated, transition (of its workflow state), deleted (a tombstone), or withdrawn "
        "(no longer visible to you: remove your copy).",
    )
    changed_fields = serializers.ListField(child=serializers.CharField(), help_text="The fields this change set.")
    transition = serializers.JSONField(
        allow_null=True, help_text='For a transition, {"field": "state", "from": "submitted", "to": "approved"}.'
    )
    state = serializers.JSONField(allow_null=True, help_text="The object after the change; null once deleted.")

    class Meta:
        model = Change
        fields = ["cursor", "at", "type", "key", "kind", "changed_fields", "transition", "state"]
        read_only_fields = fields

    def get_cursor(self, change) -> str:
        return cursor_for(change.pk)


class ChangePageSerializer(serializers.Serializer):
    results = ChangeSerializer(many=True)
    cursor = serializers.CharField(help_text="Where this page ends: ask again with `?after=<cursor>`.")
    next = serializers.URLField(help_text="The next page (or, at the end, the URL to poll for new changes).")
    has_more = serializers.BooleanField(help_text="Whether more changes wait after this page right now.")


class ChangeFeedViewSet(ApiViewSet):
    """The change feed: every change you may see, in the order it was committed.

    Each entry names the object's type and key, the fields the change set and
    the object's new state (treat created, updated and transition alike: insert
    or replace your copy); deletions and objects that leave your sight leave a
    tombstone (deleted, withdrawn). Another member's drafts never appear. Keep
    the page's `cursor` and ask again with `?after=<cursor>`: replaying from
    any cursor gives the same sequence."""

    serializer_class = ChangeSerializer
    queryset = Change.objects.all()
    renderer_classes = [JSONRenderer, BrowsableAPIRenderer]
    detail_query_params = ("after", "page_size")
    summaries = {"feed": "Follow the change feed"}

    @extend_schema(
        operation_id="changes_feed",
        parameters=[
            OpenApiParameter(
                "after", OpenApiTypes.STR, description="A cursor from an earlier page or change; from the "
                "beginning without it.", required=False,
            ),
            OpenApiParameter(
                "page_size", OpenApiTypes.INT, description=f"Changes per page: {DEFAULT_FEED_PAGE} unless given, "
                f"at most {MAX_FEED_PAGE}.", required=False,
            ),
        ],
        responses={200: ChangePageSerializer},
    )
    def feed(self, request, *args, **kwargs):
        after = _one(request, "after")
        start = sequence_of(after) if after is not None else 0
        size = self._page_size(request)
        rows = list(self.get_queryset().filter(pk__gt=start).order_by("pk")[: size + 1])
        has_more = len(rows) > size
        rows = rows[:size]
        cursor = cursor_for(rows[-1].pk) if rows else cursor_for(start)
        query = request.query_params.copy()
        query["after"] = cursor
        return Response(
            {
                "results": self.get_serializer(rows, many=True).data,
                "cursor": cursor,
                "next": request.build_absolute_uri(f"{request.path}?{query.urlencode()}"),
                "has_more": has_more,
            }
        )

    @staticmethod
    def _page_size(request) -> int:
        raw = _one(request, "page_size")
        if raw is None:
            return DEFAULT_FEED_PAGE
        try:
            size = int(raw)
        except ValueError:
            raise exceptions.ValidationError({"page_size": [_("Enter a whole number.")]}) from None
        if not 1 <= size <= MAX_FEED_PAGE:
            raise exceptions.ValidationError(
                {"page_size": [_("Give a number from 1 to %(max)d.") % {"max": MAX_FEED_PAGE}]}
            )
        return size
