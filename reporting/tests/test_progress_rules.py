"""The progress formulas of DESIGN.md on small hand-computed cases, read from
the figures engine."""

from datetime import date
from decimal import Decimal

import pytest

from metroplan.testing import factories as f
from reporting.figures import plan_figures
from reporting.models import ProgressUpdate


@pytest.fixture
def plan_setup(db):
    plan = f.PlanFactory()
    q1 = f.ReportingPeriodFactory(plan=plan, code="2022-Q1", start=date(2022, 1, 1), end=date(2022, 3, 31))
    q2 = f.ReportingPeriodFactory(plan=plan, code="2022-Q2", start=date(2022, 4, 1), end=date(2022, 6, 30))
    goal = f.GoalFactory(plan=plan, code="1")
    action = f.ActionFactory(goal=goal, code="1.1")
    up = f.IndicatorFactory(action=action, code="1.1.a", baseline=Decimal(10), target=Decimal(30))
    down = f.IndicatorFactory(
        action=action, code="1.1.b", baseline=Decimal(100), target=Decimal(50), direction="decrease"
    )
    a, b = f.MemberFactory(), f.MemberFactory()
    return locals()


def value(indicator, member, period, number, state=ProgressUpdate.State.APPROVED):
    update = ProgressUpdate.objects.filter(member=member, action=indicator.action, period=period).first()
    if update is None:
        update = f.ProgressUpdateFactory(member=member, action=indicator.action, period=period, state=state)
    return f.IndicatorValueFactory(update=update, indicator=indicator, value=Decimal(number))


def progress_of(indicator):
    return plan_figures(indicator.action.goal.plan).indicator_by_pk()[indicator.pk].progress


def action_of(action):
    return plan_figures(action.goal.plan).action_by_pk()[action.pk]


def plan_progress(plan):
    return plan_figures(plan).progress


def early_warnings(plan):
    return plan_figures(plan).warnings


def test_indicator_progress_uses_the_mean_of_the_latest_period_with_approved_values(plan_setup):
    s = plan_setup
    value(s["up"], s["a"], s["q1"], 14)
    value(s["up"], s["b"], s["q1"], 18)
    assert progress_of(s["up"]) == pytest.approx((16 - 10) / (30 - 10))  # 0.3
    value(s["up"], s["a"], s["q2"], 20)
    # b did not report in Q2: its Q1 value 18 is carried forward (one period by default): mean(20, 18) = 19
    assert progress_of(s["up"]) == pytest.approx((19 - 10) / (30 - 10))  # 0.45
    s["up"].carry_forward = 0
    s["up"].save()
    assert progress_of(s["up"]) == pytest.approx(0.5)  # nothing carried: a's 20 alone


def test_unapproved_values_do_not_count(plan_setup):
    s = plan_setup
    value(s["up"], s["a"], s["q1"], 14)
    value(s["up"], s["b"], s["q2"], 30, state=ProgressUpdate.State.SUBMITTED)
    value(s["down"], s["b"], s["q2"], 50, state=ProgressUpdate.State.SUBMITTED)
    assert progress_of(s["up"]) == pytest.approx(0.2)
    assert progress_of(s["down"]) == 0


def test_decreasing_indicator_and_clamping(plan_setup):
    s = plan_setup
    value(s["down"], s["a"], s["q1"], 80)
    assert progress_of(s["down"]) == pytest.approx((80 - 100) / (50 - 100))  # 0.4
    value(s["up"], s["a"], s["q1"], 5)  # below the baseline
    assert progress_of(s["up"]) == 0
    value(s["up"], s["b"], s["q2"], 55)  # beyond the target: with a's 5 carried forward, mean 30 = the target
    assert progress_of(s["up"]) == 1
    value(s["up"], s["a"], s["q2"], 45)
    assert progress_of(s["up"]) == 1  # mean 50, clamped


def test_action_goal_and_plan_progress(plan_setup):
    s = plan_setup
    value(s["up"], s["a"], s["q1"], 20)  # 0.5
    value(s["down"], s["a"], s["q1"], 80)  # 0.4
    assert action_of(s["action"]).progress == pytest.approx(0.45)

    no_indicators = f.ActionFactory(goal=s["goal"], code="1.2", status="completed", weight=3)
    f.ActionFactory(goal=s["goal"], code="1.3", status="cancelled")  # left out
    assert action_of(no_indicators).progress == 1.0
    goal = plan_figures(s["plan"]).goal_by_pk()[s["goal"].pk]
    assert goal.progress == pytest.approx((0.45 * 1 + 1.0 * 3) / 4)

    other_goal = f.GoalFactory(plan=s["plan"], code="2")
    f.ActionFactory(goal=other_goal, code="2.1", status="not_started")  # 0 by status
    f.ActionFactory(goal=other_goal, code="2.2", status="on_track")  # 0.5 by status
    figure = plan_progress(s["plan"])
    assert figure.value == pytest.approx((0.45 + 3 * 1.0 + 0 + 0.5) / 6)
    assert figure.covered == 2 and figure.expected == 2
    assert any("cancelled" in line for line in figure.left_out)


def test_indicator_without_values_counts_as_zero_and_is_named_as_a_gap(plan_setup):
    s = plan_setup
    value(s["up"], s["a"], s["q1"], 30)  # 1.0; 1.1.b has nothing
    assert action_of(s["action"]).progress == pytest.approx(0.5)
    figure = plan_progress(s["plan"])
    assert figure.covered == 1 and figure.expected == 2
    assert any("1.1.b" in line for line in figure.left_out)


def test_early_warning_flags_an_action_whose_trend_falls_short(plan_setup):
    s = plan_setup
    value(s["up"], s["a"], s["q1"], 11)
    value(s["up"], s["a"], s["q2"], 12)  # +1 a quarter: far from 30 by end of 2023
    warnings = early_warnings(s["plan"])
    assert [(w.action.code, w.indicator.code) for w in warnings] == [("1.1", "1.1.a")]
    assert 12 < warnings[0].projected < 20


def test_early_warning_leaves_an_action_on_course_alone(plan_setup):
    s = plan_setup
    value(s["up"], s["a"], s["q1"], 15)
    value(s["up"], s["a"], s["q2"], 25)
    assert early_warnings(s["plan"]) == []
