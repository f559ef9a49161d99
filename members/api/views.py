"""Members and regions through the API. Regions are read-only; members are
created and changed by secretariat staff through members.services (PUT/PATCH
with the member's version: If-Match → 412 when stale, `version` → 409,
neither → 428). There is no service that deletes a member safely (its updates
and history would go with it), so DELETE is 405: record that a member left with
a membership span instead."""

from drf_spectacular.utils import extend_schema, extend_schema_view

from members import services
from members.api import selectors
from members.api.serializers import (
    MemberCreateSerializer,
    MemberSerializer,
    MemberWriteSerializer,
    RegionSerializer,
)
from members.filtersets import MemberFilterSet, RegionFilterSet
from metroplan.api.viewsets import ApiViewSet, ServiceWriteViewSet


@extend_schema_view(
    create=extend_schema(request=MemberCreateSerializer, responses={201: MemberSerializer}),
    update=extend_schema(request=MemberWriteSerializer, responses={200: MemberSerializer}),
    partial_update=extend_schema(request=MemberWriteSerializer, responses={200: MemberSerializer}),
)
class MemberViewSet(ServiceWriteViewSet):
    """Member governments, looked up by slug, with their compliance in the
    reference period (the newest whose deadline has passed)."""

    serializer_class = MemberSerializer
    filterset_class = MemberFilterSet
    lookup_field = "slug"
    lookup_value_regex = r"[-a-zA-Z0-9_]+"
    search_fields = ["slug", "name", "country"]
    ordering_fields = ["name", "slug", "country_code"]
    figure_kind = "member"
    create_serializer_class = MemberCreateSerializer
    update_serializer_class = MemberWriteSerializer

    def get_queryset(self):
        return selectors.members_for_api()

    def perform_create(self, data):
        return services.member_create(user=self.request.user, data=data)

    def perform_update(self, member, data, *, expected_version):
        services.member_update(user=self.request.user, member=member, data=data, expected_version=expected_version)


class RegionViewSet(ApiViewSet):
    """The network's world regions, looked up by slug."""

    serializer_class = RegionSerializer
    filterset_class = RegionFilterSet
    lookup_field = "slug"
    lookup_value_regex = r"[-a-zA-Z0-9_]+"
    search_fields = ["slug", "name"]
    ordering_fields = ["order", "name", "member_count"]
    figure_kind = "region"

    def get_queryset(self):
        return selectors.regions_for_api()
