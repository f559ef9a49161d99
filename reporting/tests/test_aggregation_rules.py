"""How an indicator's values add up, chosen per indicator, on hand-computed
cases read from the figures engine: across members (sum, mean, median, share
reaching a threshold), over time (the period's value, cumulative, latest to
date), carry-forward of a member's latest approved value, ratios (Σ numerators
/ Σ denominators); period targets from milestones; the computed status."""

from datetime import date
from decimal import Decimal

import pytest

from actions.models import Action, Indicator
from metroplan.testing import factories as f
from reporting.figures import plan_figures, rules, status_disagreements
from reporting.models import ProgressUpdate

pytestmark = pytest.mark.django_db


@pytest.fixture
def s():
    plan = f.PlanFactory(start_date=date(2022, 1, 1), end_date=date(2023, 12, 31))
    quarters = [
        f.ReportingPeriodFactory(plan=plan, code=f"2022-Q{n}", start=date(2022, 3 * n - 2, 1),
                                 end=date(2022, 3 * n, 28))
        for n in (1, 2, 3, 4)
    ]
    action = f.ActionFactory(goal=f.GoalFactory(plan=plan, code="1"), code="1.1", start_date=date(2022, 1, 1),
                             end_date=date(2023, 12, 31), status=Action.Status.ON_TRACK)
    members = [f.MemberFactory(name=name, slug=name.lower()) for name in ("Athens", "Berlin", "Cairo")]
    return plan, quarters, action, members


def indicator(s, **kwargs):
    _plan, _quarters, action, _members = s
    kwargs = {"baseline": Decimal(0), "target": Decimal(100), **kwargs}
    return f.IndicatorFactory(action=action, code=kwargs.pop("code", "1.1.a"), **kwargs)


def give(s, ind, member, quarter, value=None, *, numerator=None, denominator=None, reason=""):
    _plan, quarters, action, members = s
    update = ProgressUpdate.objects.filter(member=members[member], action=action, period=quarters[quarter]).first()
    if update is None:
        update = f.ProgressUpdateFactory(member=members[member], action=action, period=quarters[quarter],
                                         state=ProgressUpdate.State.APPROVED)
    f.IndicatorValueFactory(update=update, indicator=ind, value=None if value is None else Decimal(str(value)),
                            numerator=numerator, denominator=denominator, not_available=bool(reason),
                            not_available_reason=reason)


def figures_of(s, ind):
    return plan_figures(s[0]).indicator_by_pk()[ind.pk]


def series(s, ind):
    return [(p.period_code, pytest.approx(p.value)) for p in figures_of(s, ind).series]


def test_sum_across_members(s):
    ind = indicator(s, across="sum")
    give(s, ind, 0, 0, 10), give(s, ind, 1, 0, 20), give(s, ind, 2, 0, 30)
    assert series(s, ind) == [("2022-Q1", 60)]
    assert figures_of(s, ind).progress == pytest.approx(0.6)


def test_median_across_members_odd_and_even(s):
    ind = indicator(s, across="median", carry_forward=0)
    give(s, ind, 0, 0, 10), give(s, ind, 1, 0, 20), give(s, ind, 2, 0, 90)
    give(s, ind, 0, 1, 10), give(s, ind, 1, 1, 21)
    assert series(s, ind) == [("2022-Q1", 20), ("2022-Q2", 15.5)]


def test_share_of_members_reaching_the_threshold(s):
    ind = indicator(s, across="share", threshold=Decimal(25), measure="percentage")
    give(s, ind, 0, 0, 10), give(s, ind, 1, 0, 25), give(s, ind, 2, 0, 40)
    assert series(s, ind) == [("2022-Q1", 200 / 3)]  # 2 of 3 reach 25


def test_cumulative_is_a_running_total_of_the_periods_sums(s):
    ind = indicator(s, across="sum", over_time="cumulative", carry_forward=0)
    give(s, ind, 0, 0, 5), give(s, ind, 1, 0, 5)
    give(s, ind, 0, 1, 3)
    give(s, ind, 2, 3, 4)
    # Q3 has no values: the running total stays 13
    assert series(s, ind) == [("2022-Q1", 10), ("2022-Q2", 13), ("2022-Q3", 13), ("2022-Q4", 17)]
    figure = figures_of(s, ind).figure
    assert len(figure.details) == 4  # every value behind the running total is listed


def test_latest_value_to_date_keeps_the_last_value_through_a_gap(s):
    ind = indicator(s, over_time="latest", carry_forward=0)
    give(s, ind, 0, 0, 10)
    give(s, ind, 0, 2, 30)
    assert series(s, ind) == [("2022-Q1", 10), ("2022-Q2", 10), ("2022-Q3", 30)]


def test_a_member_that_skips_a_period_counts_with_its_value_carried_forward_and_is_named(s):
    """The 2.2.a case: one member alone in a period no longer swings the mean."""
    ind = indicator(s)  # mean, carried forward one period (the default)
    give(s, ind, 0, 0, 10), give(s, ind, 1, 0, 20)
    give(s, ind, 0, 1, 30)  # Berlin skips Q2
    give(s, ind, 0, 2, 40)  # Berlin skips Q3 too: its Q1 value is now two periods old
    assert series(s, ind) == [("2022-Q1", 15), ("2022-Q2", 25), ("2022-Q3", 40)]
    q2 = figures_of(s, ind).series[1]
    assert (q2.members, q2.reported, q2.carried) == (2, 1, 1)
    figure = figures_of(s, ind).figure
    assert figure.left_out == ["Berlin, 2022-Q1: its latest approved value is more than 1 period old"]
    assert figure.inputs[0].startswith("Athens, 2022-Q3: 40 (approved ")


def test_the_latest_figure_names_each_value_carried_forward(s):
    """Berlin skips the latest period: its Q1 value counts, and the figure's
    explanation says so with the period it comes from."""
    ind = indicator(s)
    give(s, ind, 0, 0, 10), give(s, ind, 1, 0, 20)
    give(s, ind, 0, 1, 30)
    figure = figures_of(s, ind).figure
    berlin = next(row for row in figure.details if row["member"] == "Berlin")
    assert (berlin["period"], berlin["value"], berlin["carried_forward"]) == ("2022-Q1", 20.0, True)
    assert any(text.startswith("Berlin, 2022-Q1: 20 (approved ") and text.endswith("carried forward")
               for text in figure.inputs)
    assert figure.carried == 1


def test_a_ratio_adds_numerators_and_denominators_never_the_ratios(s):
    ind = indicator(s, measure="ratio", baseline=Decimal(0), target=Decimal(1))
    give(s, ind, 0, 0, "0.75", numerator=Decimal(3), denominator=Decimal(4))
    give(s, ind, 1, 0, "0.17", numerator=Decimal(1), denominator=Decimal(6))
    assert series(s, ind) == [("2022-Q1", 0.4)]  # 4 / 10, not the mean of the ratios (0.46)
    assert figures_of(s, ind).figure.inputs[0].startswith("Athens, 2022-Q1: 3.00 / 4.00 (approved ")


def test_a_value_not_available_is_left_out_with_its_reason(s):
    ind = indicator(s, across="sum")
    give(s, ind, 0, 0, 10)
    give(s, ind, 1, 0, reason="Census delayed")
    figure = figures_of(s, ind).figure
    assert series(s, ind) == [("2022-Q1", 10)]
    assert figure.left_out == ["Berlin, 2022-Q1: not available: Census delayed"]


def test_counts_show_as_whole_numbers(s):
    ind = indicator(s, unit="activities")
    give(s, ind, 0, 0, 5), give(s, ind, 1, 0, 6), give(s, ind, 2, 0, 6)
    assert "5.67" not in figures_of(s, ind).figure.result
    assert "Network value in 2022-Q1: 6 activities from 3 members" in figures_of(s, ind).figure.result


# Targets over time and the computed status ------------------------------------------------------


def test_period_targets_come_from_milestones_interpolated_between_them():
    line = [(0, 0.0), (10, 40.0), (20, 100.0)]
    assert rules.interpolate(line, 5) == 20
    assert rules.interpolate(line, 15) == 70
    assert rules.interpolate(line, 25) == 100


def test_progress_against_the_period_target_and_the_computed_status(s, settings):
    settings.FIGURES_STATUS_ON_TRACK, settings.FIGURES_STATUS_AT_RISK = 0.9, 0.6
    ind = indicator(s, carry_forward=0)
    f.MilestoneFactory(indicator=ind, year=2022, value=Decimal(50))
    # Targets: 0 on 1 Jan 2022, 50 on 31 Dec 2022, 100 on 31 Dec 2023 (the action's end)
    give(s, ind, 0, 1, 20)  # Q2 ends 28 June 2022: period target ≈ 24.7
    figures = figures_of(s, ind)
    assert figures.period_targets["2022-Q4"] == pytest.approx(50 * (date(2022, 12, 28) - date(2022, 1, 1)).days / 364)
    assert figures.period_target == pytest.approx(50 * (date(2022, 6, 28) - date(2022, 1, 1)).days / 364)
    assert figures.period_progress == pytest.approx(20 / figures.period_target)  # ≈ 0.81
    assert figures.end_progress == pytest.approx(0.2)
    assert figures.computed_status == "at_risk"
    assert "On track from 90%, at risk from 60%" in figures.status_explanation


def test_computed_status_thresholds():
    status = rules.computed_status
    assert status(0.95, end_progress=0.3, trend_reaches=False, on_track=0.9, at_risk=0.6) == "on_track"
    assert status(0.7, end_progress=0.3, trend_reaches=False, on_track=0.9, at_risk=0.6) == "at_risk"
    assert status(0.4, end_progress=0.3, trend_reaches=True, on_track=0.9, at_risk=0.6) == "at_risk"
    assert status(0.4, end_progress=0.3, trend_reaches=False, on_track=0.9, at_risk=0.6) == "off_track"
    assert status(0.4, end_progress=1.0, trend_reaches=False, on_track=0.9, at_risk=0.6) == "on_track"
    assert status(None, end_progress=None, trend_reaches=None, on_track=0.9, at_risk=0.6) is None


def test_a_typed_status_that_disagrees_is_flagged_and_never_changed(s):
    plan, _quarters, action, _members = s
    ind = indicator(s)
    give(s, ind, 0, 0, 2)  # far below the period's target
    action.status = Action.Status.COMPLETED
    action.save()
    figures = plan_figures(plan)
    flagged = status_disagreements(figures)
    assert [a.code for a in flagged] == ["1.1"]
    assert flagged[0].status == "completed" and flagged[0].computed_status == "off_track"
    assert "The typed status (Completed) disagrees; it is kept as typed." in flagged[0].status_explanation
    assert Action.objects.get(pk=action.pk).status == "completed"
    assert figures.action("1.1").figure.status["disagrees"] is True


def test_an_indicator_without_rules_set_is_a_mean_of_the_period(s):
    ind = indicator(s)
    assert (ind.measure, ind.across, ind.over_time, ind.carry_forward) == (
        Indicator.Measure.COUNT, Indicator.Across.MEAN, Indicator.OverTime.PERIOD, 1)
