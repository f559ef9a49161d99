"""Lists ordered by a figure show the engine's figure, in order, on every
kind of action and indicator."""

from datetime import date
from decimal import Decimal

import pytest

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
