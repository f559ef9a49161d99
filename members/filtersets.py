"""One FilterSet per model, shared by the HTML lists and the API."""

import django_filters

from members.models import Member, Region


class RegionFilterSet(django_filters.FilterSet):
    class Meta:
        model = Region
        fields = {"slug": ["exact"], "name": ["exact", "icontains"]}


class MemberFilterSet(django_filters.FilterSet):
    region = django_filters.ModelChoiceFilter(
        field_name="region", to_field_name="slug", queryset=Region.objects.all()
    )
    country = django_filters.CharFilter(field_name="country_code", lookup_expr="iexact")
    membership_type = django_filters.ChoiceFilter(choices=Member.MembershipType.choices)
    confidence = django_filters.ChoiceFilter(choices=Member.Confidence.choices)
    name = django_filters.CharFilter(lookup_expr="icontains")

    class Meta:
        model = Member
        fields = ["region", "country", "membership_type", "confidence", "name"]
