"""The plan as integrators read it. Figures (`progress`, counts) are queryset
annotations (actions/api/selectors.py), never per-row queries."""

from rest_framework import serializers

from actions.models import Action, Goal, Indicator, Milestone, Plan

PROGRESS_HELP = "0..1, computed from approved indicator values (DESIGN.md, Derived figures)."


def progress_field(**kwargs):
    return serializers.FloatField(read_only=True, allow_null=True, help_text=PROGRESS_HELP, **kwargs)


class PlanSerializer(serializers.ModelSerializer):
    progress = progress_field()
    goal_count = serializers.IntegerField(read_only=True)
    action_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Plan
        fields = [
            "code", "name", "subtitle", "start_date", "end_date", "status", "is_current",
            "progress", "goal_count", "action_count",
        ]
        read_only_fields = fields


class SdgNumbersField(serializers.ListField):
    child = serializers.IntegerField(min_value=1, max_value=17)

    def to_representation(self, data):
        return [sdg.number for sdg in data.all()]


class GoalSerializer(serializers.ModelSerializer):
    plan = serializers.CharField(source="plan.code", read_only=True)
    sdgs = SdgNumbersField(read_only=True)
    progress = progress_field()
    action_count = serializers.IntegerField(read_only=True, allow_null=True)

    class Meta:
        model = Goal
        fields = [
            "code", "plan", "title", "description", "order", "sdgs", "retired", "version",
            "progress", "action_count",
        ]
        read_only_fields = fields


class MemberSlugsField(serializers.ListField):
    child = serializers.SlugField()

    def to_representation(self, data):
        return [member.slug for member in data.all()]


class ActionSerializer(serializers.ModelSerializer):
    goal = serializers.CharField(source="goal.code", read_only=True)
    plan = serializers.CharField(source="goal.plan.code", read_only=True)
    lead = serializers.CharField(source="lead.username", read_only=True, allow_null=True, default=None)
    sdgs = SdgNumbersField(read_only=True)
    members = MemberSlugsField(source="participants", read_only=True, help_text="Slugs of the taking-part members.")
    indicator_count = serializers.IntegerField(read_only=True)
    progress = progress_field()

    class Meta:
        model = Action
        fields = [
            "code", "goal", "plan", "title", "description", "lead", "start_date", "end_date", "status",
            "weight", "order", "retired", "sdgs", "members", "indicator_count", "progress", "version",
        ]
        read_only_fields = fields


class MilestoneSerializer(serializers.ModelSerializer):
    class Meta:
        model = Milestone
        fields = ["year", "value"]
        read_only_fields = fields


class IndicatorSerializer(serializers.ModelSerializer):
    action = serializers.CharField(source="action.code", read_only=True)
    plan = serializers.CharField(source="action.goal.plan.code", read_only=True)
    milestones = MilestoneSerializer(many=True, read_only=True)
    latest_value = serializers.DecimalField(
        max_digits=14, decimal_places=2, read_only=True, allow_null=True, help_text="The newest approved value."
    )
    progress = progress_field()

    class Meta:
        model = Indicator
        fields = [
            "id", "code", "action", "plan", "name", "description", "unit", "baseline", "target", "direction",
            "retired", "milestones", "latest_value", "progress", "version",
        ]
        read_only_fields = fields

