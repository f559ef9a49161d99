"""Forms of the /reports/ pages: asking for a report, correcting one."""

from django import forms
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from reporting.models import Report, ReportingPeriod


class PeriodChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: ReportingPeriod) -> str:
        return f"{obj.plan.code} · {obj.code} ({date_format(obj.start)} – {date_format(obj.end)})"


class ReportRequestForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Report.Kind.choices, initial=Report.Kind.ON_DEMAND)
    period = PeriodChoiceField(
        label=_("Period"),
        queryset=ReportingPeriod.objects.select_related("plan").order_by("-plan__start_date", "start"),
    )
    as_of = forms.DateField(
        label=_("As of"), required=False, widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Progress counts approved data of periods ending by this day. Empty: the period's end for a "
                    "period-close report, today otherwise."),
    )


class ReportCorrectForm(forms.Form):
    note = forms.CharField(
        label=_("What changed and why"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000,
        help_text=_("The correction is built from today's data and lists the figures that changed."),
    )
