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
        fields = ["slug", "name", "order", "member_count", "compliance", "modified"]
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
            "time_zone", "confidence", "source", "version", "compliance",
            "modified",
        ]
        read_only_fields = fields


class MemberWriteSerializer(serializers.Serializer):
    """A member's record as staff write it (shape only; the rules are in
    members.services.member_update). Provenance corrections go in `confidence`
    and `source`."""

    name = serializers.CharField(max_length=200)
    country = serializers.CharField(max_length=100)
    country_code = serializers.CharField(max_length=2, help_text="ISO 3166 alpha-2, e.g. ES.")
    region = serializers.SlugRelatedField(slug_field="slug", queryset=Region.objects.all(), help_text="Region slug.")
    membership_type = serializers.ChoiceField(choices=Member.MembershipType.choices)
    latitude = serializers.DecimalField(max_digits=7, decimal_places=3, min_value=-90, max_value=90)
    longitude = serializers.DecimalField(max_digits=7, decimal_places=3, min_value=-180, max_value=180)
    time_zone = serializers.CharField(
        max_length=64, required=False,
        help_text="IANA name, e.g. America/Mexico_City: deadlines end at midnight there. "
        "Left out on create: the zone of the coordinates.",
    )
    confidence = serializers.ChoiceField(choices=Member.Confidence.choices, help_text="How sure the record is.")
    source = serializers.CharField(allow_blank=True, max_length=5000, help_text="Where the record comes from.")
    version = serializers.IntegerField(
        min_value=0, required=False, help_text="The version you read; or send its ETag in If-Match."
    )


class MemberCreateSerializer(MemberWriteSerializer):
    slug = serializers.SlugField(max_length=80, help_text="The member's lasting identifier in URLs.")
    version = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("membership_type", "confidence", "source"):
            self.fields[name].required = False
