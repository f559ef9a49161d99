from rest_framework import serializers

from members.models import Member, Region


class ComplianceSerializer(serializers.Serializer):
    """Compliance in one period: updates submitted by the deadline / updates
    expected (DESIGN.md, Derived figures). Not-yet-due and excused updates are
    left out of the rate's denominator."""

    period = serializers.CharField()
    expected = serializers.IntegerField()
    on_time = serializers.IntegerField()
    late = serializers.IntegerField()
    excused = serializers.IntegerField()
    missing = serializers.IntegerField()
    due = serializers.IntegerField()
    rate = serializers.FloatField(allow_null=True)


class RegionSerializer(serializers.ModelSerializer):
    member_count = serializers.IntegerField(read_only=True)
    compliance = ComplianceSerializer(
        read_only=True, allow_null=True, help_text="In the newest period whose deadline has passed."
    )

    class Meta:
        model = Region
        fields = ["slug", "name", "order", "member_count", "compliance"]
        read_only_fields = fields


class MemberSerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region.slug", read_only=True)
    compliance = ComplianceSerializer(
        read_only=True, allow_null=True, help_text="In the newest period whose deadline has passed."
    )

    class Meta:
        model = Member
        fields = [
            "slug", "name", "country", "country_code", "region", "membership_type", "latitude", "longitude",
            "confidence", "source", "compliance",
        ]
        read_only_fields = fields
