"""The outline of a plan for the plan pages (goals → actions → indicators), and
the SDG choices of the plan forms."""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q

from actions.models import Action, Goal, Indicator, SustainableDevelopmentGoal


def plan_outline(plan, *, include_retired: bool = True):
    """Goals of `plan` with their actions and indicators, in order, in a fixed
    number of queries whatever the size of the plan."""
    goals = Goal.objects.filter(plan=plan)
    actions = Action.objects.select_related("lead").prefetch_related(
        "sdgs",
        Prefetch("indicators", queryset=Indicator.objects.prefetch_related("milestones").order_by("order", "code")),
    ).order_by("order", "code")
    if not include_retired:
        goals = goals.filter(retired=False)
        actions = actions.filter(retired=False)
    actions = actions.annotate(participant_count=Count("participations", distinct=True)).select_related(
        "carried_from__goal__plan"
    )
    return (
        goals.select_related("carried_from__plan")
        .prefetch_related("sdgs", Prefetch("actions", queryset=actions))
        .annotate(active_actions=Count("actions", filter=Q(actions__retired=False)))
        .order_by("order", "code")
    )


def sdg_choices() -> list[tuple[int, str]]:
    return [(s.number, f"{s.number}. {s.name}") for s in SustainableDevelopmentGoal.objects.order_by("number")]
