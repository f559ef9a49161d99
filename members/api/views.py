"""Members and regions, read through the API (written by staff in the browser
and the admin)."""

from members.api import selectors
from members.api.serializers import MemberSerializer, RegionSerializer
from members.filtersets import MemberFilterSet, RegionFilterSet
from metroplan.api.viewsets import ApiViewSet


class ComplianceMixin:
    compliance_group_field = ""

    def annotate_objects(self, objects, *, detail: bool) -> None:
        period = selectors.latest_due_period()
        figures = selectors.compliance_by(period, self.compliance_group_field, [obj.pk for obj in objects])
        for obj in objects:
            obj.compliance = figures.get(obj.pk) or selectors.empty_compliance(period)


class MemberViewSet(ComplianceMixin, ApiViewSet):
    """Member governments, looked up by slug, with their compliance in the
    newest period whose deadline has passed."""

    serializer_class = MemberSerializer
    filterset_class = MemberFilterSet
    lookup_field = "slug"
    lookup_value_regex = r"[-a-zA-Z0-9_]+"
    search_fields = ["slug", "name", "country"]
    ordering_fields = ["name", "slug", "country_code"]
    compliance_group_field = "member_id"

    def get_queryset(self):
        return selectors.members_for_api()


class RegionViewSet(ComplianceMixin, ApiViewSet):
    """The network's world regions, looked up by slug."""

    serializer_class = RegionSerializer
    filterset_class = RegionFilterSet
    lookup_field = "slug"
    lookup_value_regex = r"[-a-zA-Z0-9_]+"
    search_fields = ["slug", "name"]
    ordering_fields = ["order", "name", "member_count"]
    compliance_group_field = "member__region_id"

    def get_queryset(self):
        return selectors.regions_for_api()
