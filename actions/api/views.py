"""The plan through the API: plans, goals, actions, indicators.

Plans are read-only here. Goals, actions and indicators are written by
secretariat staff (ApiAccess: anonymous 401, others 403) through
actions.services: create, PUT/PATCH with the object's version (If-Match →
412 when stale, `version` → 409, neither → 428), and DELETE through
plan_item_delete, which refuses (409 `has_progress`) to delete a goal that
still has actions, an action with progress updates or an indicator with
reported values: retire those instead (`retired: true`)."""

import django_filters
from django.db.models import Count
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions
from rest_framework.decorators import action as viewset_action

from actions import services
from actions.api import selectors
from actions.api.serializers import (
    ActionCreateSerializer,
    ActionListSerializer,
    ActionMemberSerializer,
    ActionSerializer,
    ActionWriteSerializer,
    GoalCreateSerializer,
    GoalSerializer,
    GoalWriteSerializer,
    IndicatorCreateSerializer,
    IndicatorSerializer,
    IndicatorWriteSerializer,
    PlanSerializer,
)
from actions.filtersets import ActionFilterSet, GoalFilterSet, IndicatorFilterSet, PlanFilterSet
from actions.models import Action, Goal, Participation
from members.models import Member
from metroplan.api.filters import in_request_plan
from metroplan.api.viewsets import ApiViewSet, ServiceWriteViewSet

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
    figure_kind = "plan"
    figure_ordering_fields = ("progress",)

    def get_queryset(self):
        return selectors.plans_for_api()


def write_schema(read, create, update, *, deletes: bool):
    """The OpenAPI description of a ServiceWriteViewSet's writes."""
    views = {
        "create": extend_schema(request=create, responses={201: read}),
        "update": extend_schema(request=update, responses={200: read}),
        "partial_update": extend_schema(request=update, responses={200: read}),
    }
    if deletes:
        views["destroy"] = extend_schema(
            responses={204: None},
            description="Delete it if nothing was reported against it; otherwise 409 (`has_progress`): retire it.",
        )
    return extend_schema_view(**views)


@write_schema(GoalSerializer, GoalCreateSerializer, GoalWriteSerializer, deletes=True)
class GoalViewSet(ServiceWriteViewSet):
    """Goals of a plan (the current plan unless `plan` is given), looked up by code."""

    serializer_class = GoalSerializer
    filterset_class = GoalFilterSet
    lookup_field = "code"
    lookup_value_regex = CODE_REGEX
    plan_path = "plan"
    plan_scoped_detail = True
    search_fields = ["code", "title", "description"]
    ordering_fields = ["order", "code", "title", "progress"]
    figure_kind = "goal"
    figure_ordering_fields = ("progress",)

    create_serializer_class = GoalCreateSerializer
    update_serializer_class = GoalWriteSerializer

    def get_queryset(self):
        return self.scope_to_plan(selectors.goals_for_api())

    def perform_create(self, data):
        plan, sdgs = data.pop("plan"), data.pop("sdgs", None)
        return services.goal_create(user=self.request.user, plan=plan, data=data, sdgs=sdgs)

    def perform_update(self, goal, data, *, expected_version):
        sdgs, retired = data.pop("sdgs", None), data.pop("retired", None)
        goal = services.goal_update(
            user=self.request.user, goal=goal, data=data, sdgs=sdgs, expected_version=expected_version
        )
        if retired is not None:
            services.goal_retire(user=self.request.user, goal=goal, retired=retired)

    def destroy(self, request, *args, **kwargs):
        return self.destroy_with_service(request)

    def perform_destroy(self, goal, *, expected_version):
        services.plan_item_delete(user=self.request.user, obj=goal, expected_version=expected_version)


EXPAND_MEMBERS = OpenApiParameter(
    "expand", OpenApiTypes.STR, enum=["members"], required=False,
    description="`members`: each row also lists its members' slugs (`members`). Without it a row has "
    "`member_count` and `members_url`, so that a page's size does not grow with the network.",
)


@write_schema(ActionSerializer, ActionCreateSerializer, ActionWriteSerializer, deletes=True)
@extend_schema_view(list=extend_schema(parameters=[EXPAND_MEMBERS]))
class ActionViewSet(ServiceWriteViewSet):
    """Actions of a plan (the current plan unless `plan` is given), looked up by
    code, with their progress. A list gives each action's number of members and
    a link to them (`members_url`, paged); `expand=members` adds their slugs."""

    serializer_class = ActionSerializer
    filterset_class = ActionApiFilterSet
    lookup_field = "code"
    lookup_value_regex = CODE_REGEX
    plan_path = "goal__plan"
    plan_scoped_detail = True
    search_fields = ["code", "title", "description"]
    ordering_fields = ["code", "title", "status", "start_date", "end_date", "progress"]
    figure_kind = "action"
    figure_ordering_fields = ("progress",)

    create_serializer_class = ActionCreateSerializer
    update_serializer_class = ActionWriteSerializer

    def get_queryset(self):
        return self.scope_to_plan(selectors.actions_for_api())

    list_query_params = ("expand",)

    def allowed_query_params(self) -> set[str]:
        allowed = super().allowed_query_params()
        return allowed | {"page", "page_size"} if self.action == "participants" else allowed

    def expands_members(self) -> bool:
        if self.action != "list":
            return True
        expand = self.request.query_params.getlist("expand")
        if expand and expand != ["members"]:
            raise exceptions.ValidationError({"expand": [_("Only members can be expanded.")]})
        return expand == ["members"]

    def get_serializer_class(self):
        if self.action == "list" and not self.expands_members():
            return ActionListSerializer
        return super().get_serializer_class()

    def annotate_objects(self, objects, *, detail: bool) -> None:
        super().annotate_objects(objects, detail=detail)
        ids = [action.pk for action in objects]
        sdgs, members = selectors.action_links(ids, members=self.expands_members())
        counts = dict(
            Participation.objects.filter(action_id__in=ids).order_by().values("action_id")
            .annotate(n=Count("pk")).values_list("action_id", "n")
        )
        for action in objects:
            action.sdg_numbers, action.member_slugs = sdgs[action.pk], members.get(action.pk, [])
            action.member_count = counts.get(action.pk, 0)
            action.members_url = self.request.build_absolute_uri(
                reverse("api:action-members", kwargs={"code": action.code})
                + "?" + urlencode({"plan": action.goal.plan.code})
            )

    @extend_schema(responses=ActionMemberSerializer(many=True), operation_id="actions_members")
    @viewset_action(detail=True, methods=["get"], url_path="members", url_name="members")
    def participants(self, request, *args, **kwargs):
        """The members taking part in the action, by slug, a page at a time."""
        action = self.get_object()
        rows = Member.objects.filter(participations__action=action).order_by("slug").values(
            "slug", "name", "region__slug"
        )
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(ActionMemberSerializer(page, many=True).data)

    def perform_create(self, data):
        goal, sdgs, members = data.pop("goal"), data.pop("sdgs", ()), data.pop("members", ())
        return services.action_create(user=self.request.user, goal=goal, data=data, sdgs=sdgs, participants=members)

    def perform_update(self, action, data, *, expected_version):
        sdgs, members, retired = data.pop("sdgs", None), data.pop("members", None), data.pop("retired", None)
        action = services.action_update(
            user=self.request.user, action=action, data=data, sdgs=sdgs, participants=members,
            expected_version=expected_version,
        )
        if retired is not None:
            services.action_retire(user=self.request.user, action=action, retired=retired)

    def destroy(self, request, *args, **kwargs):
        return self.destroy_with_service(request)

    def perform_destroy(self, action, *, expected_version):
        services.plan_item_delete(user=self.request.user, obj=action, expected_version=expected_version)


@write_schema(IndicatorSerializer, IndicatorCreateSerializer, IndicatorWriteSerializer, deletes=True)
class IndicatorViewSet(ServiceWriteViewSet):
    """Indicators of a plan's actions, with their latest approved value and progress."""

    serializer_class = IndicatorSerializer
    filterset_class = IndicatorApiFilterSet
    plan_path = "action__goal__plan"
    search_fields = ["code", "name", "description"]
    ordering_fields = ["code", "name", "progress"]
    figure_kind = "indicator"
    figure_ordering_fields = ("progress",)

    create_serializer_class = IndicatorCreateSerializer
    update_serializer_class = IndicatorWriteSerializer

    def get_queryset(self):
        return self.scope_to_plan(selectors.indicators_for_api())

    def perform_create(self, data):
        action, milestones = data.pop("action"), data.pop("milestones", None)
        return services.indicator_create(user=self.request.user, action=action, data=data, milestones=milestones)

    def perform_update(self, indicator, data, *, expected_version):
        milestones, retired = data.pop("milestones", None), data.pop("retired", None)
        indicator = services.indicator_update(
            user=self.request.user, indicator=indicator, data=data, milestones=milestones,
            expected_version=expected_version,
        )
        if retired is not None:
            services.indicator_retire(user=self.request.user, indicator=indicator, retired=retired)

    def destroy(self, request, *args, **kwargs):
        return self.destroy_with_service(request)

    def perform_destroy(self, indicator, *, expected_version):
        services.plan_item_delete(user=self.request.user, obj=indicator, expected_version=expected_version)
