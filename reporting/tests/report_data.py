"""A small, hand-computable scenario shared by the report tests.

Plan 2021-2023, period 2022-Q1 (deadline 2022-04-30), three members:
north-a and north-b in region North, south-c in region South.

- Action 1.1 (goal 1), indicator 1.1.a from 0 to 100, members A, B, C:
  A approved on time with 40, B approved on time with 80, C sent nothing.
- Action 2.1 (goal 2), no indicator, on track, member A: submitted late, not approved.

Hand-computed (as of 2022-03-31, compliance measured after the deadline):
- indicator 1.1.a latest value = mean(40, 80) = 60 → progress 0.6;
- action 1.1 = 0.6; action 2.1 = 0.5 (from its status "on track");
- goal 1 = 0.6, goal 2 = 0.5, plan = (0.6 + 0.5) / 2 = 0.55;
- compliance 2022-Q1: 4 expected, 2 on time, 1 late, 1 missing → 2/4 = 0.5;
  North 2/3, South 0/1; A 1/2, B 1/1, C 0/1.
"""

from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal

from django.utils import timezone

from metroplan.testing import factories as f
from reporting.models import Report


@dataclass
class Scenario:
    plan: object
    period: object
    a: object
    b: object
    c: object
    action_1: object
    action_2: object
    indicator: object
    value_b: object


def _at(day: date):
    return timezone.make_aware(datetime.combine(day, time(10, 0)))


def make_scenario(*, demo: bool = False) -> Scenario:
    plan = f.PlanFactory()
    period = f.ReportingPeriodFactory(plan=plan, code="2022-Q1", start=date(2022, 1, 1), end=date(2022, 3, 31))
    north = f.RegionFactory(slug="north", name="North")
    south = f.RegionFactory(slug="south", name="South")
    a = f.MemberFactory(slug="north-a", name="A North City", region=north)
    b = f.MemberFactory(slug="north-b", name="B North City", region=north)
    c = f.MemberFactory(slug="south-c", name="C South City", region=south)
    goal_1 = f.GoalFactory(plan=plan, code="1", order=1)
    goal_2 = f.GoalFactory(plan=plan, code="2", order=2)
    action_1 = f.ActionFactory(goal=goal_1, code="1.1", members=[a, b, c])
    action_2 = f.ActionFactory(goal=goal_2, code="2.1", members=[a])
    indicator = f.IndicatorFactory(action=action_1, code="1.1.a", baseline=Decimal("0"), target=Decimal("100"))

    def approved(member, value):
        update = f.ProgressUpdateFactory(
            member=member, action=action_1, period=period, state="approved", is_demo=demo,
            first_submitted_at=_at(date(2022, 3, 31)), reviewed_at=_at(date(2022, 4, 5)),
        )
        return f.IndicatorValueFactory(update=update, indicator=indicator, value=Decimal(value))

    approved(a, "40")
    value_b = approved(b, "80")
    f.ProgressUpdateFactory(
        member=a, action=action_2, period=period, state="submitted", first_submitted_at=_at(date(2022, 5, 10))
    )
    return Scenario(plan, period, a, b, c, action_1, action_2, indicator, value_b)


def make_report(scenario: Scenario, **fields) -> Report:
    values = {"plan": scenario.plan, "kind": Report.Kind.PERIOD, "period": scenario.period,
              "as_of": scenario.period.end, **fields}
    return Report.objects.create(**values)
