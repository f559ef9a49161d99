"""A small plan whose figures are computed by hand in the tests, and a way to
make it large (many members, participations and updates) for query counts.

Plan 2021-2023 (2021-01-01 … 2023-12-31), periods 2022-Q1 (deadline 2022-04-30)
and 2022-Q2 (deadline 2022-07-30).

Goal 1: action 1.1 (indicator 0 → 100; members m1, m2, m3=member A, m4)
        action 1.2 (no indicator, completed → 100%)
Goal 2: action 2.1 (indicator 10 → 20; m1), action 2.2 (indicator 0 → 100; m1)
Indicators are counts, mean of the members' values of the period, nothing carried forward.
Regions: north (m1, m2, m4), south (m3 = the cast's member A).
m4 joined on 2022-04-01: expected in Q2 only. m5 (north, in 1.1) is exempted
from reporting throughout 2022: never expected.

Updates (first submission; value):
  Q1  m1 1.1 approved on time 50 · m2 1.1 approved late 30 · m3 1.1 DRAFT 90
      m1 2.1 approved on time 15 · m1 2.2 approved on time 10
  Q2  m1 1.1 approved on time 70 · m1 2.2 approved on time 12
      (m2, m3, m4 1.1 and m1 2.1 missing)
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from actions.models import Action, Participation
from members.models import Membership
from metroplan.testing import factories as f
from metroplan.testing.clock import frozen

DRAFT_NARRATIVE = "Unfinished draft of member A, never to be shown to others"


def at(day: date):
    return timezone.make_aware(datetime.combine(day, time(10)))


@dataclass
class SmallPlan:
    plan: object
    goals: dict
    actions: dict
    indicators: dict
    periods: dict
    members: dict
    regions: dict


def add_update(member, action, period, *, state="approved", on=None, values=None, narrative="", is_demo=False):
    update = f.ProgressUpdateFactory(
        member=member, action=action, period=period, state=state, narrative=narrative or "Progress as planned.",
        is_demo=is_demo,
        first_submitted_at=None if state == "draft" else at(on or period.end + timedelta(days=5)),
        reviewed_at=at((on or period.end) + timedelta(days=10)) if state == "approved" else None,
    )
    for indicator, value in (values or {}).items():
        f.IndicatorValueFactory(update=update, indicator=indicator, value=Decimal(str(value)))
    return update


@pytest.fixture
def small(cast) -> SmallPlan:
    plan = f.PlanFactory()
    north = f.RegionFactory(slug="north", name="North", order=1)
    south = f.RegionFactory(slug="south", name="South", order=2)
    m1 = f.MemberFactory(slug="m1", name="Alpha City", region=north, country="France", country_code="FR")
    m2 = f.MemberFactory(slug="m2", name="Beta City", region=north, membership_type="associate")
    m3 = cast.member_a
    m3.region = south
    m3.country, m3.country_code = "Senegal", "SN"
    m3.save()
    m4 = f.MemberFactory(slug="m4", name="Delta City", region=north, membership=False)
    Membership.objects.create(member=m4, standing=Membership.Standing.ACTIVE, start=date(2022, 4, 1))
    m5 = f.MemberFactory(slug="m5", name="Epsilon City", region=north)
    Membership.objects.create(
        member=m5, standing=Membership.Standing.EXEMPTED, start=date(2022, 1, 1), end=date(2022, 12, 31)
    )
    g1 = f.GoalFactory(plan=plan, code="1", title="First goal", order=1)
    g2 = f.GoalFactory(plan=plan, code="2", title="Second goal", order=2)
    a11 = f.ActionFactory(goal=g1, code="1.1", order=1, members=[m1, m2, m3, m4, m5])
    a12 = f.ActionFactory(goal=g1, code="1.2", order=2, status=Action.Status.COMPLETED)
    a21 = f.ActionFactory(goal=g2, code="2.1", order=1, members=[m1])
    a22 = f.ActionFactory(goal=g2, code="2.2", order=2, members=[m1])
    # Nothing carried forward (carry_forward=0): the figures below are the mean of each period's own values.
    i11 = f.IndicatorFactory(action=a11, code="1.1.a", baseline=0, target=100, carry_forward=0)
    i21 = f.IndicatorFactory(action=a21, code="2.1.a", baseline=10, target=20, carry_forward=0)
    i22 = f.IndicatorFactory(action=a22, code="2.2.a", baseline=0, target=100, unit="papers", carry_forward=0)
    f.MilestoneFactory(indicator=i11, year=2022, value=60)
    q1 = f.ReportingPeriodFactory(plan=plan, code="2022-Q1", start=date(2022, 1, 1), end=date(2022, 3, 31),
                                  deadline=date(2022, 4, 30), is_open=False)
    q2 = f.ReportingPeriodFactory(plan=plan, code="2022-Q2", start=date(2022, 4, 1), end=date(2022, 6, 30),
                                  deadline=date(2022, 7, 30), is_open=False)

    add_update(m1, a11, q1, values={i11: 50})
    add_update(m2, a11, q1, on=date(2022, 5, 15), values={i11: 30})
    add_update(m3, a11, q1, state="draft", values={i11: 90}, narrative=DRAFT_NARRATIVE)
    add_update(m1, a21, q1, values={i21: 15})
    add_update(m1, a22, q1, values={i22: 10})
    add_update(m1, a11, q2, values={i11: 70})
    add_update(m1, a22, q2, values={i22: 12})
    return SmallPlan(
        plan=plan, goals={"1": g1, "2": g2}, actions={"1.1": a11, "1.2": a12, "2.1": a21, "2.2": a22},
        indicators={"1.1.a": i11, "2.1.a": i21, "2.2.a": i22}, periods={"2022-Q1": q1, "2022-Q2": q2},
        members={"m1": m1, "m2": m2, "m3": m3, "m4": m4, "m5": m5}, regions={"north": north, "south": south},
    )


def grow(small: SmallPlan, n: int = 12) -> None:
    """Make the plan larger: n more members in every action and period, with
    approved, submitted and draft updates, values, a new region and goal."""
    region = f.RegionFactory(slug="east", name="East", order=3)
    goal = f.GoalFactory(plan=small.plan, code="3", title="Third goal", order=3)
    extra_action = f.ActionFactory(goal=goal, code="3.1", order=1)
    extra_indicator = f.IndicatorFactory(action=extra_action, code="3.1.a")
    actions = [small.actions["1.1"], small.actions["2.1"], extra_action]
    indicator_of = {
        small.actions["1.1"].pk: small.indicators["1.1.a"], small.actions["2.1"].pk: small.indicators["2.1.a"],
        extra_action.pk: extra_indicator,
    }
    states = ["approved", "submitted", "draft", "approved", "returned"]
    for i in range(n):
        member = f.MemberFactory(slug=f"grown-{i}", name=f"Grown City {i}", region=region, country_code="KE",
                                 country="Kenya")
        for action in actions:
            Participation.objects.create(action=action, member=member, is_demo=bool(i % 2))
            for period in small.periods.values():
                state = states[(i + action.pk) % len(states)]
                add_update(member, action, period, state=state, values={indicator_of[action.pk]: 5 + i},
                           is_demo=bool(i % 2))


@pytest.fixture
def clock_stands_still():
    """The clock held at the test's start, for tests that count queries twice:
    figures of "now" are cached per quarter of an hour, so a measurement that
    crossed :00, :15, :30 or :45 would count the one recomputation and fail for
    the clock, not for the page."""
    with frozen(timezone.now()) as clock:
        yield clock
