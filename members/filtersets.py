"""One FilterSet per model, shared by the HTML lists and the API."""

import re

import django_filters
from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext as _

from members.models import Member, Region


class RegionFilterSet(django_filters.FilterSet):
    class Meta:
        model = Region
        fields = {"slug": ["exact"], "name": ["exact", "icontains"]}


class CountryCodeField(forms.CharField):
    """An ISO 3166 alpha-2 code. A country's name is refused, with its code
    when a member is in that country, rather than matching nothing."""

    default_validators = [RegexValidator(r"^[A-Za-z]{2}$")]

    def validate(self, value):
        super().validate(value)
        if value and not re.fullmatch(r"[A-Za-z]{2}", value):
            code = (
                Member.objects.filter(country__iexact=value.strip()).values_list("country_code", flat=True).first()
            )
            if code:
                message = _("Give the country's ISO 3166 code: %(code)s for %(name)s.") % {
                    "code": code, "name": value.strip()
                }
            else:
                message = _("Give the country's ISO 3166 alpha-2 code, e.g. ES for Spain.")
            raise forms.ValidationError(message, code="invalid")

    def run_validators(self, value):
        pass  # validate() says it better; the validator is there for the schema's pattern


class CountryCodeFilter(django_filters.CharFilter):
    field_class = CountryCodeField


class MemberFilterSet(django_filters.FilterSet):
    region = django_filters.ModelChoiceFilter(
        field_name="region", to_field_name="slug", queryset=Region.objects.all()
    )
    country = CountryCodeFilter(
        field_name="country_code", lookup_expr="iexact",
        help_text="The country's ISO 3166 alpha-2 code, e.g. ES (any case). A country's name is refused with a 400 "
        "that gives its code.",
    )
    membership_type = django_filters.ChoiceFilter(choices=Member.MembershipType.choices)
    confidence = django_filters.ChoiceFilter(choices=Member.Confidence.choices)
    name = django_filters.CharFilter(lookup_expr="icontains")

    class Meta:
        model = Member
        fields = ["region", "country", "membership_type", "confidence", "name"]
