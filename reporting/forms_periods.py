"""The reporting-period form of the plan pages. It only shapes input; the
rules live in reporting.period_services."""

from django import forms
from django.utils.translation import gettext_lazy as _

from actions.forms import ServiceErrorsMixin


class PeriodForm(ServiceErrorsMixin, forms.Form):
    code = forms.CharField(label=_("Code"), max_length=20, help_text=_("For example 2024-Q1."))
    start = forms.DateField(label=_("Start"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("End"), widget=forms.DateInput(attrs={"type": "date"}))
    deadline = forms.DateField(
        label=_("Submission deadline"), required=False, widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Empty: 30 days after the end."),
    )
    is_open = forms.BooleanField(label=_("Open for submissions"), required=False, initial=True)
