"""Forms of the plan pages. They only shape input; the rules (duplicate codes,
target vs baseline, dates, milestones) live in actions.services, whose
ValidationError messages are put back on the form's fields."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from actions.languages import translated
from actions.models import Action, Indicator
from actions.outline import sdg_choices
from actions.services import staff_users
from members.models import Member

LANGUAGE_NAMES = dict(settings.LANGUAGES)


def _translated_fields(form, name: str, label, *, textarea: bool = False, max_length: int | None = 300) -> None:
    for code, language in settings.LANGUAGES:
        if textarea:
            field = forms.CharField(
                label=f"{label} ({language})", required=False, widget=forms.Textarea(attrs={"rows": 3})
            )
        else:
            field = forms.CharField(label=f"{label} ({language})", required=code == "en", max_length=max_length)
        field.language = code
        form.fields[f"{name}_{code}"] = field


class ServiceErrorsMixin:
    """Put a service's ValidationError (field → messages) on this form's fields."""

    def add_service_errors(self, error) -> None:
        mapping = getattr(error, "message_dict", None) or {None: error.messages}
        for name, messages in mapping.items():
            target = name if name in self.fields else None
            for message in messages:
                self.add_error(target, message)


class VersionedForm(ServiceErrorsMixin, forms.Form):
    """Carries the version the form was opened on, for conflict detection."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def translation_groups(self):
        """[(field base name, [bound fields en, fr, es])] for the template's language tabs."""
        groups: dict[str, list] = {}
        for name in self.fields:
            if getattr(self.fields[name], "language", None):
                groups.setdefault(name.rsplit("_", 1)[0], []).append(self[name])
        return list(groups.items())


class GoalForm(VersionedForm):
    code = forms.CharField(label=_("Code"), max_length=10, help_text=_("For example 1, 2, 3."))
    sdgs = forms.TypedMultipleChoiceField(
        label=_("SDGs"), required=False, coerce=int, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _translated_fields(self, "title", _("Title"))
        _translated_fields(self, "description", _("Description"), textarea=True)
        self.fields["sdgs"].choices = sdg_choices()
        self.order_fields(["code", *translated("title", "description"), "sdgs"])

    def service_data(self) -> dict:
        data = self.cleaned_data
        return {name: data[name] for name in ("code", *translated("title", "description"))}


class ParticipantsWidget(forms.CheckboxSelectMultiple):
    """Members as checkboxes grouped by region, with a filter box (vanilla JS)."""

    template_name = "actions/plan/widgets/participants.html"
    option_template_name = "django/forms/widgets/checkbox_option.html"


def member_choices() -> list[tuple[str, list[tuple[int, str]]]]:
    """[(region, [(member id, "Name (country)")])], in region order."""
    groups: dict[str, list] = {}
    for member in Member.objects.select_related("region").order_by("region__order", "region__name", "name"):
        groups.setdefault(member.region.name, []).append((member.pk, f"{member.name} ({member.country_code})"))
    return list(groups.items())


class ActionForm(VersionedForm):
    goal = forms.TypedChoiceField(label=_("Goal"), coerce=int)
    code = forms.CharField(label=_("Code"), max_length=10, help_text=_("Unique in the plan, for example 2.3."))
    lead = forms.TypedChoiceField(label=_("Lead (secretariat)"), coerce=int, required=False, empty_value=None)
    start_date = forms.DateField(label=_("Start"), widget=forms.DateInput(attrs={"type": "date"}))
    end_date = forms.DateField(label=_("End"), widget=forms.DateInput(attrs={"type": "date"}))
    status = forms.ChoiceField(label=_("Status"), choices=Action.Status.choices)
    weight = forms.IntegerField(
        label=_("Weight"), min_value=Action.WEIGHT_MIN, max_value=Action.WEIGHT_MAX, initial=1,
        help_text=_("Weight of this action in its goal's and the plan's progress."),
    )
    sdgs = forms.TypedMultipleChoiceField(
        label=_("SDGs"), required=False, coerce=int, widget=forms.CheckboxSelectMultiple
    )
    participants = forms.TypedMultipleChoiceField(
        label=_("Participating members"), required=False, coerce=int, widget=ParticipantsWidget
    )

    def __init__(self, *args, plan, **kwargs):
        super().__init__(*args, **kwargs)
        _translated_fields(self, "title", _("Title"))
        _translated_fields(self, "description", _("Description"), textarea=True)
        self.fields["goal"].choices = [(g.pk, str(g)) for g in plan.goals.order_by("order", "code")]
        self.fields["lead"].choices = [("", "—")] + [
            (u.pk, u.get_full_name() or u.get_username()) for u in staff_users()
        ]
        self.fields["sdgs"].choices = sdg_choices()
        self.fields["participants"].choices = member_choices()
        self.order_fields(
            ["goal", "code", *translated("title", "description"), "lead", "start_date", "end_date", "status",
             "weight", "sdgs", "participants"]
        )

    def service_data(self) -> dict:
        data = self.cleaned_data
        from django.contrib.auth import get_user_model

        from actions.models import Goal

        values = {name: data[name] for name in
                  ("code", "start_date", "end_date", "status", "weight", *translated("title", "description"))}
        values["goal"] = Goal.objects.get(pk=data["goal"])
        values["lead"] = get_user_model().objects.filter(pk=data["lead"]).first() if data["lead"] else None
        return values


class IndicatorForm(VersionedForm):
    code = forms.CharField(label=_("Code"), max_length=15, help_text=_("Unique within the action, e.g. 3.1.a."))
    unit = forms.CharField(label=_("Unit"), max_length=50)
    baseline = forms.DecimalField(label=_("Baseline"), max_digits=14, decimal_places=2)
    target = forms.DecimalField(label=_("Target"), max_digits=14, decimal_places=2)
    direction = forms.ChoiceField(label=_("Direction"), choices=Indicator.Direction.choices)
    by_sex = forms.BooleanField(label=_("Values by sex (women, men, other or not stated)"), required=False)
    by_age = forms.BooleanField(label=_("Values by age group (youth under 30, other ages)"), required=False)
    jump_factor = forms.DecimalField(
        label=_("Flag a jump larger than (times the previous value)"), max_digits=6, decimal_places=2,
        min_value=Decimal("1.01"), initial=Decimal("3"), required=False,
    )
    measure = forms.ChoiceField(label=_("Measure"), choices=Indicator.Measure.choices, required=False,
                                initial=Indicator.Measure.COUNT)
    decimals = forms.IntegerField(
        label=_("Decimals shown"), min_value=0, max_value=2, required=False,
        help_text=_("Empty: none for counts, yes/no and scales, one for percentages, two otherwise."),
    )
    scale = forms.CharField(
        label=_("Scale"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For a qualitative indicator: its steps in order, one per line."),
    )
    across = forms.ChoiceField(label=_("Across members"), choices=Indicator.Across.choices, required=False,
                               initial=Indicator.Across.MEAN)
    over_time = forms.ChoiceField(label=_("Over time"), choices=Indicator.OverTime.choices, required=False,
                                  initial=Indicator.OverTime.PERIOD)
    threshold = forms.DecimalField(
        label=_("Threshold"), max_digits=14, decimal_places=2, required=False,
        help_text=_("For the share of members reaching it: the value a member must reach."),
    )
    carry_forward = forms.IntegerField(
        label=_("Periods carried forward"), min_value=0, max_value=12, initial=1, required=False,
        help_text=_("A member that did not report counts with its latest approved value for this many periods."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _translated_fields(self, "name", _("Name"))
        _translated_fields(self, "description", _("Description"), textarea=True)
        self.order_fields(["code", *translated("name", "description"), "unit", "baseline", "target", "direction",
                           *Indicator.RULE_FIELDS, "by_sex", "by_age", "jump_factor"])
        scale = self.initial.get("scale")
        if isinstance(scale, list):
            self.initial["scale"] = "\n".join(scale)

    def clean_scale(self) -> list[str]:
        """One step per line, in order; blank lines left out."""
        return [line.strip() for line in (self.cleaned_data.get("scale") or "").splitlines() if line.strip()]

    def service_data(self) -> dict:
        data = self.cleaned_data
        values = {name: data[name] for name in
                  ("code", "unit", "baseline", "target", "direction", "by_sex", "by_age",
                   *translated("name", "description"))}
        for name in Indicator.RULE_FIELDS:  # a rule left out of the post keeps its value (or the default)
            if data.get(name) not in (None, "") or name in ("decimals", "threshold", "scale"):
                values[name] = data.get(name)
        values["jump_factor"] = data.get("jump_factor") or Decimal("3")
        return values


class MilestoneForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=1900, max_value=2200, required=False)
    value = forms.DecimalField(label=_("Value"), max_digits=14, decimal_places=2, required=False)

    def clean(self):
        data = super().clean()
        if (data.get("year") is None) != (data.get("value") is None):
            raise forms.ValidationError(_("Give both a year and a value, or neither."))
        return data


class BaseMilestoneFormSet(forms.BaseFormSet):
    def clean(self):
        if any(self.errors):
            return
        years = [f.cleaned_data["year"] for f in self.forms if f.cleaned_data.get("year") is not None]
        if len(years) != len(set(years)):
            raise forms.ValidationError(_("Give at most one milestone per year."))

    def milestones(self) -> dict:
        return {
            f.cleaned_data["year"]: f.cleaned_data["value"]
            for f in self.forms
            if f.cleaned_data.get("year") is not None
        }


MilestoneFormSet = forms.formset_factory(MilestoneForm, formset=BaseMilestoneFormSet, extra=2, max_num=20)


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=Action.Status.choices)
    version = forms.IntegerField(widget=forms.HiddenInput)


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Edited plan spreadsheet (.xlsx)"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".xlsx"):
            raise forms.ValidationError(
                _("Upload the .xlsx file downloaded from this page (a CSV cannot be imported).")
            )
        if upload.size > 5 * 1024 * 1024:
            raise forms.ValidationError(_("The file is larger than 5 MB."))
        return upload


class CarryOverForm(ServiceErrorsMixin, forms.Form):
    code = forms.SlugField(label=_("Code of the new plan"), max_length=20, help_text=_("For example 2024-2026."))
    name = forms.CharField(label=_("Name"), max_length=200)
    start_date = forms.DateField(label=_("Start"), widget=forms.DateInput(attrs={"type": "date"}))
    end_date = forms.DateField(label=_("End"), widget=forms.DateInput(attrs={"type": "date"}))
    goals = forms.TypedMultipleChoiceField(label=_("Goals"), coerce=int, required=False)
    actions = forms.TypedMultipleChoiceField(label=_("Actions"), coerce=int, required=False)
    copy_indicators = forms.BooleanField(label=_("Copy indicators"), required=False, initial=True)
    copy_participants = forms.BooleanField(label=_("Copy participating members"), required=False, initial=True)

    def __init__(self, *args, source, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["goals"].choices = [(g.pk, str(g)) for g in source.goals.all()]
        self.fields["actions"].choices = [(a.pk, str(a)) for a in Action.objects.filter(goal__plan=source)]

    def clean(self):
        data = super().clean()
        if not data.get("goals") and not data.get("actions"):
            raise forms.ValidationError(_("Choose at least one goal or action to carry over."))
        return data
