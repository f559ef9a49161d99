"""The plan, read through the API: plans, goals, actions, indicators.

Plan content is written by secretariat staff in the browser; through the API
these resources are read-only (any write is refused by ApiAccess: 401, 403, or
405 for staff)."""

import django_filters

from actions.api import selectors
from actions.api.serializers import ActionSerializer, GoalSerializer, IndicatorSerializer, PlanSerializer
from actions.filtersets import ActionFilterSet, GoalFilterSet, IndicatorFilterSet, PlanFilterSet
from actions.models import Action, Goal
from metroplan.api.filters import in_request_plan
from metroplan.api.viewsets import ApiViewSet

CODE_REGEX = r"[^/]+"


class ActionApiFilterSet(ActionFilterSet):
    goal = django_filters.ModelChoiceFilter(
        field_name="goal", to_field_name="code", queryset=in_request_plan(Goal, "plan"), label="Goal code"
    )


class IndicatorApiFilterSet(IndicatorFilterSet):
    action = django_filters.ModelChoiceFilter(
        field_name="action", to_field_name="code", queryset=in_request_plan(Action, "goal__plan"),
        label="Action code",
    )
    goal = django_filters.ModelChoiceFilter(
        field_name="action__goal", to_field_name="code", queryset=in_request_plan(Goal, "plan"), label="Goal code"
    )


class PlanViewSet(ApiViewSet):
    """Strategic action plans, with their overall progress."""

    serializer_class = PlanSerializer
    filterset_class = PlanFilterSet
    lookup_field = "code"
    lookup_value_regex = CODE_REGEX
    search_fields = ["code", "name"]
    ordering_fields = ["code", "start_date", "progress"]

    def get_queryset(self):
        return selectors.plans_with_progress()


class GoalViewSet(ApiViewSet):
    """Goals of a plan (the current plan unless `plan` is given), looked up by code."""

    serializer_class = GoalSerializer
    filterset_class = GoalFilterSet
    lookup_field = "code"
    lookup_value_regex = CODE_REGEX
    plan_path = "plan"
    plan_scoped_detail = True
    search_fields = ["code", "title", "description"]
    ordering_fields = ["order", "code", "title", "progress"]

    def get_queryset(self):
        return self.scope_to_plan(selectors.goals_with_progress())


class ActionViewSet(ApiViewSet):
    """Actions of a plan (the current plan unless `plan` is given), looked up by
    code, with their progress."""

    serializer_class = ActionSerializer
    filterset_class = ActionApiFilterSet
    lookup_field = "code"
    lookup_value_regex = CODE_REGEX
    plan_path = "goal__plan"
    plan_scoped_detail = True
    search_fields = ["code", "title", "description"]
    ordering_fields = ["code", "title", "status", "start_date", "end_date", "progress"]

    def get_queryset(self):
        return self.scope_to_plan(selectors.actions_with_progress())


class IndicatorViewSet(ApiViewSet):
    """Indicators of a plan's actions, with their latest approved value and progress."""

    serializer_class = IndicatorSerializer
    filterset_class = IndicatorApiFilterSet
    plan_path = "action__goal__plan"
    search_fields = ["code", "name", "description"]
    ordering_fields = ["code", "name", "progress"]

    def get_queryset(self):
        return self.scope_to_plan(selectors.indicators_with_progress())
