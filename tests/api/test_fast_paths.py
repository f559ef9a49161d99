"""The lists' fast paths give what the declared rules and serializers give:

- actions' progress for a page (actions.api.selectors.action_progress, one
  grouped query) equals ActionQuerySet.with_progress() on every kind of action.
"""

from datetime import date
from decimal import Decimal

import pytest

from actions.api.selectors import (
    action_figures,
    action_progress,
    goal_figures,
    indicator_progress,
    plan_figures,
    plans_with_progress,
)
from actions.models import Action, Goal, Indicator
from metroplan.testing import factories as f


@pytest.fixture
def varied(world, cast):
    """Actions of every shape: several periods (the latest counts), values past
    the target (clamped), a decreasing indicator, not-available values, a
    retired indicator, unapproved values, and actions without indicators."""
    later = f.ReportingPeriodFactory(plan=world.plan, code="2022-Q2", start=date(2022, 4, 1), end=date(2022, 6, 30))
    member_c = f.MemberFactory(slug="member-c")
    for member, value in ((cast.member_b, "30"), (member_c, "45")):
        update = f.ProgressUpdateFactory(member=member, action=world.action1, period=later, state="approved")
        f.IndicatorValueFactory(update=update, indicator=world.indicator1, value=Decimal(value))
    draft = f.ProgressUpdateFactory(member=member_c, action=world.action2, period=later, state="draft")
    f.IndicatorValueFactory(update=draft, indicator=world.indicator2, value=Decimal("99"))
    falling = f.IndicatorFactory(action=world.action2, code="2.1.b", direction="decrease", baseline=Decimal("100"),
                                 target=Decimal("40"))
    approved = f.ProgressUpdateFactory(member=member_c, action=world.action2, period=world.closed_period,
                                       state="approved")
    f.IndicatorValueFactory(update=approved, indicator=falling, value=Decimal("85.5"))
    f.IndicatorValueFactory(update=approved, indicator=world.indicator2, value=None, not_available=True,
                            not_available_reason="No survey")
    f.IndicatorFactory(action=world.action2, code="2.1.c", retired=True)
    for code, status in (("2.7", "completed"), ("2.8", "not_started"), ("2.9", "at_risk")):
        f.ActionFactory(goal=world.goal2, code=code, status=status)
    return world


def test_action_progress_equals_the_querysets_rule(varied):
    expected = dict(Action.objects.with_progress().values_list("pk", "progress"))
    got = action_progress(expected)
    assert set(got) == set(expected)
    for pk, progress in expected.items():
        assert got[pk] == pytest.approx(progress, abs=1e-12), Action.objects.get(pk=pk).code
    assert len(set(round(value, 6) for value in got.values())) >= 4  # the cases differ
    counts = {pk: count for pk, (_progress, count) in action_figures(expected).items()}
    assert counts == {action.pk: action.indicators.filter(retired=False).count() for action in Action.objects.all()}
    assert 0 in counts.values() and any(count >= 2 for count in counts.values())


def test_goal_and_plan_figures_equal_the_querysets_rule(varied):
    w = varied
    # Weights other than 1, a cancelled and a retired action, a goal without live actions, another plan.
    Action.objects.filter(code="2.7").update(weight=3)
    f.ActionFactory(goal=w.goal2, code="2.10", status="cancelled")
    f.ActionFactory(goal=w.goal2, code="2.11", retired=True)
    empty = f.GoalFactory(plan=w.plan, code="9")
    f.ActionFactory(goal=empty, code="9.1", retired=True)
    other = f.PlanFactory(code="2024-2026", start_date=date(2024, 1, 1), end_date=date(2026, 12, 31),
                          is_current=False)
    f.GoalFactory(plan=other, code="1")

    goals = {pk: (progress, count) for pk, progress, count in
             Goal.objects.with_progress().values_list("pk", "progress", "action_count")}
    got = goal_figures(list(goals))
    for pk, (progress, count) in goals.items():
        assert got[pk][1] == count, Goal.objects.get(pk=pk).code
        assert got[pk][0] == (None if progress is None else pytest.approx(progress, abs=1e-12))
    assert got[empty.pk] == (None, None)

    plans = {row["pk"]: row for row in plans_with_progress().values("pk", "progress", "goal_count", "action_count")}
    got = plan_figures(list(plans))
    for pk, row in plans.items():
        assert got[pk]["goal_count"] == row["goal_count"] and got[pk]["action_count"] == row["action_count"]
        assert got[pk]["progress"] == (None if row["progress"] is None else pytest.approx(row["progress"], abs=1e-12))
    assert got[other.pk] == {"progress": None, "goal_count": 1, "action_count": 0}


def test_indicator_progress_equals_the_querysets_rule(varied):
    expected = {pk: (latest, progress) for pk, latest, progress in
                Indicator.objects.with_progress().values_list("pk", "latest_value", "progress")}
    got = indicator_progress(expected)
    assert set(got) == set(expected)
    for pk, (latest, progress) in expected.items():
        code = Indicator.objects.get(pk=pk).code
        assert got[pk][1] == pytest.approx(progress, abs=1e-12), code
        assert (got[pk][0] is None) == (latest is None), code
        if latest is not None:
            assert got[pk][0] == pytest.approx(latest, abs=Decimal("0.000001")), code
    assert any(latest is None for latest, _ in got.values())  # a retired or unreported indicator
    assert len({round(progress, 6) for _, progress in got.values()}) >= 3


def test_the_indicators_list_shows_the_same_figures_as_ordering_by_progress(varied, api, keys):
    client = api(keys["staff"])
    fast = {row["id"]: (row["latest_value"], row["progress"])
            for row in client.get("/api/v1/indicators/").json()["results"]}
    ordered = client.get("/api/v1/indicators/?ordering=-progress").json()["results"]
    assert {row["id"]: (row["latest_value"], row["progress"]) for row in ordered} == fast
    assert [row["progress"] for row in ordered] == sorted((p for _, p in fast.values()), reverse=True)


def test_the_actions_list_shows_the_same_progress_as_ordering_by_it(varied, api, keys):
    client = api(keys["staff"])
    fast = {row["code"]: row["progress"] for row in client.get("/api/v1/actions/").json()["results"]}
    ordered = client.get("/api/v1/actions/?ordering=-progress").json()["results"]
    assert {row["code"]: row["progress"] for row in ordered} == pytest.approx(fast)
    assert [row["progress"] for row in ordered] == sorted(fast.values(), reverse=True)
