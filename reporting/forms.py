"""Forms for the update pages. They turn input into what the services take;
the rules themselves (completeness, transitions, locks) live in services."""

import re

from django import forms
from django.conf import settings
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from actions.disaggregation import PART_NAMES, breakdowns_of
from actions.models import Action
from metroplan.limits import COMMENT_MAX_LENGTH, NARRATIVE_MAX_LENGTH
from metroplan.numbers import format_decimal_input
from metroplan.services import ValidationError
from reporting.services import IndicatorEntry, evidence_check_file, parse_indicator_entry, parse_part

INDICATOR_FIELD = re.compile(r"^ind_(\d+)_(value|na|reason|numerator|denominator|" + "|".join(PART_NAMES) + r")$")


class UpdateForm(forms.Form):
    """Narrative, status, one number (or "not available" with a reason) per
    indicator of the action, and optionally one piece of evidence.

    `version` is the update's version when the form was opened (0 for a new
    update); the service refuses the save if it has moved on.
    """

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    narrative = forms.CharField(
        label=gettext_lazy("Narrative"), required=False, widget=forms.Textarea(attrs={"rows": 8}),
        max_length=NARRATIVE_MAX_LENGTH,
        help_text=gettext_lazy("What was done this period, what changed, what is blocking."),
    )
    status = forms.ChoiceField(
        label=gettext_lazy("Status of the action, as you see it"), required=False,
        choices=[("", gettext_lazy("— choose —")), *Action.Status.choices],
    )
    evidence_file = forms.FileField(label=gettext_lazy("Attach a file"), required=False)
    evidence_url = forms.URLField(label=gettext_lazy("…or a link"), required=False, assume_scheme="https")
    evidence_title = forms.CharField(label=gettext_lazy("Title of the evidence"), required=False, max_length=200)

    def __init__(self, *args, indicators, **kwargs):
        super().__init__(*args, **kwargs)
        self.indicators = list(indicators)
        self.fields["evidence_file"].help_text = _("Up to %(size)s MB; %(types)s.") % {
            "size": settings.EVIDENCE_MAX_BYTES // (1024 * 1024),
            "types": ", ".join(settings.EVIDENCE_ALLOWED_EXTENSIONS),
        }
        self.fields["evidence_file"].widget.attrs["accept"] = ",".join(
            f".{ext}" for ext in settings.EVIDENCE_ALLOWED_EXTENSIONS
        )
        for indicator in self.indicators:
            self.fields[f"ind_{indicator.pk}_value"] = forms.CharField(
                label=indicator.name, required=False,
                # Text, not type=number: the browser would refuse (or silently drop) "1,5" in French.
                widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
            )
            if indicator.measure == indicator.Measure.RATIO:
                for part, label in (("numerator", gettext_lazy("Numerator")),
                                    ("denominator", gettext_lazy("Denominator"))):
                    self.fields[f"ind_{indicator.pk}_{part}"] = forms.CharField(
                        label=label, required=False,
                        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
                    )
            elif indicator.measure == indicator.Measure.QUALITATIVE:
                self.fields[f"ind_{indicator.pk}_value"].help_text = ", ".join(
                    f"{index} = {step}" for index, step in enumerate(indicator.scale or []))
            elif indicator.measure == indicator.Measure.YES_NO:
                self.fields[f"ind_{indicator.pk}_value"].help_text = _("1 = yes, 0 = no")
            self.fields[f"ind_{indicator.pk}_na"] = forms.BooleanField(
                label=gettext_lazy("Not available"), required=False
            )
            self.fields[f"ind_{indicator.pk}_reason"] = forms.CharField(
                label=gettext_lazy("Why not available"), required=False, max_length=500
            )
            for breakdown in breakdowns_of(indicator):
                for name, label in breakdown.parts:
                    self.fields[f"ind_{indicator.pk}_{name}"] = forms.CharField(
                        label=label, required=False,
                        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
                    )

    # The saved update's data-quality checks by indicator (reporting.quality), set by the page.
    checks: dict = {}

    def indicator_rows(self):
        """For the template: each indicator with its bound fields (value, not
        available, why, and the parts it asks for) and its quality check."""
        for indicator in self.indicators:
            ratio = indicator.measure == indicator.Measure.RATIO
            yield {
                "indicator": indicator,
                "check": self.checks.get(indicator.pk),
                "value": self[f"ind_{indicator.pk}_value"],
                "numerator": self[f"ind_{indicator.pk}_numerator"] if ratio else None,
                "denominator": self[f"ind_{indicator.pk}_denominator"] if ratio else None,
                "na": self[f"ind_{indicator.pk}_na"],
                "reason": self[f"ind_{indicator.pk}_reason"],
                "breakdowns": [
                    (breakdown, [self[f"ind_{indicator.pk}_{name}"] for name in breakdown.names])
                    for breakdown in breakdowns_of(indicator)
                ],
            }

    def clean_evidence_file(self):
        uploaded = self.cleaned_data.get("evidence_file")
        if uploaded:
            try:
                evidence_check_file(uploaded)
            except ValidationError as exc:
                raise forms.ValidationError(exc.message_dict["file"]) from exc
        return uploaded

    def clean(self):
        data = super().clean()
        known = {indicator.pk for indicator in self.indicators}
        foreign = sorted({int(m.group(1)) for key in self.data if (m := INDICATOR_FIELD.match(key))} - known)
        if foreign:
            raise forms.ValidationError(
                _("The form carried values for indicators that are not part of this action (%(ids)s); "
                  "nothing was saved. Reload the page and try again.") % {"ids": ", ".join(map(str, foreign))}
            )
        values: dict[int, IndicatorEntry] = {}
        for indicator in self.indicators:
            prefix = f"ind_{indicator.pk}_"
            not_available = data.get(prefix + "na", False)
            raw = self.data.get(prefix + "value", "")
            ratio = indicator.measure == indicator.Measure.RATIO
            numerator = self.data.get(prefix + "numerator", "") if ratio else None
            denominator = self.data.get(prefix + "denominator", "") if ratio else None
            if not_available and any(str(given or "").strip() for given in (raw, numerator, denominator)):
                self.add_error(prefix + ("numerator" if ratio else "value"),
                               _("Give a number or mark it as not available, not both."))
                continue
            parts, bad_part = {}, False
            for breakdown in breakdowns_of(indicator):
                for name in breakdown.names:
                    try:
                        parts[name] = parse_part(self.data.get(prefix + name, ""), language=get_language())
                    except ValidationError as exc:
                        self.add_error(prefix + name, exc.messages)
                        bad_part = True
            if bad_part:
                continue
            try:
                values[indicator.pk] = parse_indicator_entry(
                    raw, not_available, data.get(prefix + "reason", ""), language=get_language(),
                    indicator=indicator, numerator=numerator, denominator=denominator, parts=parts,
                )
            except ValidationError as exc:
                if not hasattr(exc, "error_dict"):
                    self.add_error(prefix + ("reason" if not_available else "value"), exc.messages)
                    continue
                for field, messages in exc.message_dict.items():
                    name = prefix + field
                    self.add_error(name if name in self.fields else prefix + "value", messages)
        data["values"] = values
        if data.get("evidence_file") and data.get("evidence_url"):
            self.add_error("evidence_url", _("Give either a file or a link, not both."))
        return data

    @classmethod
    def initial_from(cls, *, narrative: str, status: str, values: dict, version: int) -> dict:
        """Initial data from stored (or carried-over) content."""
        initial = {"version": version, "narrative": narrative, "status": status}
        for indicator_id, entry in values.items():
            value = getattr(entry, "value", None)
            not_available = getattr(entry, "not_available", False)
            reason = getattr(entry, "reason", None)
            if reason is None:
                reason = getattr(entry, "not_available_reason", "")
            initial[f"ind_{indicator_id}_value"] = format_decimal_input(value, get_language())
            for part in ("numerator", "denominator"):
                if getattr(entry, part, None) is not None:
                    initial[f"ind_{indicator_id}_{part}"] = format_decimal_input(getattr(entry, part), get_language())
                    initial[f"ind_{indicator_id}_value"] = ""
            initial[f"ind_{indicator_id}_na"] = not_available
            initial[f"ind_{indicator_id}_reason"] = reason
            parts = getattr(entry, "parts", None) or {}
            for name in PART_NAMES:
                if parts.get(name) is not None:
                    initial[f"ind_{indicator_id}_{name}"] = format_decimal_input(parts[name], get_language())
        return initial


class ReturnForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    comment = forms.CharField(
        label=gettext_lazy("What should change"), widget=forms.Textarea(attrs={"rows": 4}), required=False,
        max_length=COMMENT_MAX_LENGTH,
    )


class ReopeningRequestForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Why do you need to report late?"), widget=forms.Textarea(attrs={"rows": 3}),
        required=False, max_length=COMMENT_MAX_LENGTH,
    )


class ReopeningGrantForm(forms.Form):
    days = forms.IntegerField(label=gettext_lazy("Open for (days)"), min_value=1, max_value=365, initial=14)


class SpreadsheetUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Filled-in spreadsheet (.xlsx)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}),
    )


class CommentaryForm(forms.Form):
    """The secretariat's note on a goal or an action for one period.
    `version` is the note's version when the form was opened (0: none yet)."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0, initial=0)
    period = forms.ChoiceField(label=gettext_lazy("Period"))
    text = forms.CharField(
        label=gettext_lazy("Commentary"), required=False, widget=forms.Textarea(attrs={"rows": 5}),
        max_length=NARRATIVE_MAX_LENGTH,
        help_text=gettext_lazy("The secretariat's analysis for this period; it is printed in the period's report. "
                               "Leave it empty to remove it."),
    )

    def __init__(self, *args, periods, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["period"].choices = [(period.code, period.code) for period in periods]
