"""Read paths of the plan for the API: querysets with their figures computed in
the database, so that a list is a fixed number of queries whatever its length."""

from django.db.models import Count, ExpressionWrapper, F, FloatField, OuterRef, Prefetch, Subquery, Sum
from django.db.models.functions import Cast, Coalesce

from actions.models import Action, Goal, Indicator, Milestone, Plan
from members.models import Member


def _count(queryset, group_field: str):
    return Coalesce(Subquery(queryset.order_by().values(group_field).annotate(n=Count("pk")).values("n")[:1]), 0)


def plans_with_progress():
    """Plans with `progress` (weighted mean of their counted actions' progress,
    the same rule as ActionQuerySet.progress_mean) and goal and action counts."""
    actions = Action.objects.filter(goal__plan=OuterRef("pk")).counted().with_progress().order_by()
    progress = Subquery(
        actions.values("goal__plan")
        .annotate(
            mean=ExpressionWrapper(
                Sum(F("progress") * F("weight"), output_field=FloatField()) / Cast(Sum("weight"), FloatField()),
                output_field=FloatField(),
            )
        )
        .values("mean")[:1],
        output_field=FloatField(),
    )
    return Plan.objects.annotate(
        progress=progress,
        goal_count=_count(Goal.objects.filter(plan=OuterRef("pk"), retired=False), "plan"),
        action_count=_count(Action.objects.filter(goal__plan=OuterRef("pk"), retired=False), "goal__plan"),
    )


def goals_with_progress():
    return Goal.objects.with_progress().select_related("plan").prefetch_related("sdgs")


def actions_with_progress():
    return (
        Action.objects.with_progress()
        .select_related("goal__plan", "lead")
        .prefetch_related("sdgs", Prefetch("participants", queryset=Member.objects.only("id", "slug").order_by("slug")))
        .annotate(indicator_count=_count(Indicator.objects.filter(action=OuterRef("pk"), retired=False), "action"))
    )


def indicators_with_progress():
    return (
        Indicator.objects.with_progress()
        .select_related("action__goal__plan")
        .prefetch_related(Prefetch("milestones", queryset=Milestone.objects.order_by("year")))
    )
