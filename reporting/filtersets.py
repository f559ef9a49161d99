"""One FilterSet per model, shared by the HTML lists and the API."""

import django_filters
from django.db.models import Q
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from actions.models import Plan
from members.models import Member, Region
from metroplan.visibility import visible_choices
from reporting.models import Commentary, DigestSent, ProgressUpdate, ReminderSent, Report, ReportingPeriod
from reporting.search import RANKED_AT_MOST, SEARCH_MAX_LENGTH, updates_search


class ReportingPeriodFilterSet(django_filters.FilterSet):
    plan = django_filters.ModelChoiceFilter(field_name="plan", to_field_name="code", queryset=visible_choices(Plan))

    class Meta:
        model = ReportingPeriod
        fields = ["plan", "is_open"]


class ProgressUpdateFilterSet(django_filters.FilterSet):
    """The updates list's filters, shared by the review queue, the search page
    and the API. `search` finds words in narratives, reviewers' comments and
    evidence titles, best match first (reporting/search.py)."""

    search = django_filters.CharFilter(
        method="filter_search", max_length=SEARCH_MAX_LENGTH, label=_("Words"),
        help_text=format_lazy(
            _(
                "Words to find in the narratives, reviewers' comments and evidence titles you can see, best match "
                "first. On PostgreSQL: any form of a word in English, French or Spanish, accents optional; "
                '"a phrase" in quotes, OR between words, -word to leave out. When {count} or more updates match, '
                "the {count} most recent of them are ranked (and counted): add words or filters to narrow."
            ),
            count=RANKED_AT_MOST,
        ),
    )
    member = django_filters.ModelChoiceFilter(
        field_name="member", to_field_name="slug", queryset=Member.objects.all()
    )
    region = django_filters.ModelChoiceFilter(
        field_name="member__region", to_field_name="slug", queryset=Region.objects.all()
    )
    action = django_filters.CharFilter(field_name="action__code")
    goal = django_filters.CharFilter(field_name="action__goal__code")
    period = django_filters.CharFilter(field_name="period__code")
    state = django_filters.MultipleChoiceFilter(choices=ProgressUpdate.State.choices)
    submitted_after = django_filters.IsoDateTimeFilter(field_name="submitted_at", lookup_expr="gte")
    submitted_before = django_filters.IsoDateTimeFilter(field_name="submitted_at", lookup_expr="lte")

    class Meta:
        model = ProgressUpdate
        fields = ["search", "member", "region", "action", "goal", "period", "state", "is_demo"]

    def filter_search(self, queryset, name, value):
        return updates_search(queryset, text=value)

    def filter_queryset(self, queryset):
        """The words last: they are looked for among the updates the other filters leave."""
        data = self.form.cleaned_data
        for name in sorted(data, key=lambda name: name == "search"):
            queryset = self.filters[name].filter(queryset, data[name])
        return queryset


class ReportFilterSet(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=Report.Kind.choices, label=_("Kind"), empty_label=_("Any kind"))
    state = django_filters.ChoiceFilter(choices=Report.State.choices, label=_("State"), empty_label=_("Any state"))
    period = django_filters.CharFilter(field_name="period__code", label=_("Period"))

    class Meta:
        model = Report
        fields = ["kind", "state", "period"]


class ReminderSentFilterSet(django_filters.FilterSet):
    """The log of reminders sent to focal points."""

    member = django_filters.ModelChoiceFilter(
        field_name="member", to_field_name="slug", queryset=Member.objects.all(), label=_("Member")
    )
    period = django_filters.CharFilter(field_name="period__code", label=_("Period"))
    kind = django_filters.ChoiceFilter(
        label=_("When"), method="filter_kind", empty_label=_("Any time"),
        choices=[("before", _("Before the deadline")), ("day", _("On the deadline day")),
                 ("overdue", _("Once overdue"))],
    )
    state = django_filters.ChoiceFilter(choices=ReminderSent.State.choices, label=_("State"),
                                        empty_label=_("Any state"))
    after = django_filters.DateFilter(field_name="queued_at", lookup_expr="date__gte", label=_("From"))
    before = django_filters.DateFilter(field_name="queued_at", lookup_expr="date__lte", label=_("Until"))

    class Meta:
        model = ReminderSent
        fields = ["member", "period", "kind", "state", "after", "before"]

    def filter_kind(self, queryset, name, value):
        steps = {"before": Q(step__lt=0), "day": Q(step=0), "overdue": Q(step__gt=0)}
        return queryset.filter(steps.get(value, Q()))


class DigestSentFilterSet(django_filters.FilterSet):
    """The log of weekly digests sent to staff."""

    user = django_filters.CharFilter(field_name="user__username", label=_("Recipient"))
    state = django_filters.ChoiceFilter(choices=DigestSent.State.choices, label=_("State"),
                                        empty_label=_("Any state"))
    after = django_filters.DateFilter(field_name="week", lookup_expr="gte", label=_("From"))
    before = django_filters.DateFilter(field_name="week", lookup_expr="lte", label=_("Until"))

    class Meta:
        model = DigestSent
        fields = ["user", "state", "after", "before"]


class CommentaryFilterSet(django_filters.FilterSet):
    """The secretariat's commentary: by goal, action or period code."""

    goal = django_filters.CharFilter(field_name="goal__code")
    action = django_filters.CharFilter(field_name="action__code")
    period = django_filters.CharFilter(field_name="period__code")

    class Meta:
        model = Commentary
        fields = ["goal", "action", "period"]
