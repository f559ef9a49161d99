"""One FilterSet per model, shared by the HTML lists and the API."""

import django_filters
from django.contrib.auth import get_user_model

from actions.models import Action, Goal, Indicator, Plan, SustainableDevelopmentGoal
from members.models import Member
from metroplan.visibility import visible_choices


class PlanFilterSet(django_filters.FilterSet):
    class Meta:
        model = Plan
        fields = {"code": ["exact"], "status": ["exact"], "is_current": ["exact"]}


class GoalFilterSet(django_filters.FilterSet):
    plan = django_filters.ModelChoiceFilter(field_name="plan", to_field_name="code", queryset=visible_choices(Plan))

    class Meta:
        model = Goal
        fields = ["plan", "retired"]


class ActionFilterSet(django_filters.FilterSet):
    plan = django_filters.ModelChoiceFilter(
        field_name="goal__plan", to_field_name="code", queryset=visible_choices(Plan)
    )
    goal = django_filters.CharFilter(field_name="goal__code")
    status = django_filters.MultipleChoiceFilter(choices=Action.Status.choices)
    member = django_filters.ModelChoiceFilter(
        field_name="participants", to_field_name="slug", queryset=Member.objects.all()
    )
    sdg = django_filters.ModelChoiceFilter(field_name="sdgs", queryset=SustainableDevelopmentGoal.objects.all())
    lead = django_filters.ModelChoiceFilter(
        field_name="lead", to_field_name="username", queryset=get_user_model().objects.all()
    )

    class Meta:
        model = Action
        fields = ["plan", "goal", "status", "member", "sdg", "lead", "retired"]


class IndicatorFilterSet(django_filters.FilterSet):
    action = django_filters.CharFilter(field_name="action__code")
    goal = django_filters.CharFilter(field_name="action__goal__code")

    class Meta:
        model = Indicator
        fields = ["action", "goal", "direction", "retired"]
