"""Shared data for the plan-editing tests."""

from datetime import date

from actions.models import Action
from metroplan.testing import factories as f


def small_plan():
    """A current plan with goal 1 → action 1.1 (two indicators) and goal 2 → action 2.1."""
    plan = f.PlanFactory()
    goal1 = f.GoalFactory(plan=plan, code="1", title="Governance", order=1)
    goal2 = f.GoalFactory(plan=plan, code="2", title="Voice", order=2)
    action = f.ActionFactory(
        goal=goal1, code="1.1", title="Issue papers", start_date=date(2021, 1, 1), end_date=date(2023, 12, 31),
        status=Action.Status.ON_TRACK,
    )
    f.IndicatorFactory(action=action, code="1.1.a", name="Papers", baseline=0, target=6)
    f.IndicatorFactory(action=action, code="1.1.b", name="Readers", baseline=10, target=100)
    other = f.ActionFactory(goal=goal2, code="2.1", title="World Metropolitan Day")
    return plan, goal1, goal2, action, other
