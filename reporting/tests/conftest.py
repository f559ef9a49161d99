"""A small plan for the workflow tests: one action with two indicators that
members A and B take part in, another action with its own indicator, and three
periods (closed previous, open current, closed older)."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest

from metroplan.testing import factories as f
from reporting.services import IndicatorEntry


@dataclass
class World:
    plan: object
    action: object
    other_action: object
    ind_count: object
    ind_budget: object
    other_indicator: object
    previous: object
    period: object
    closed: object

    def complete_values(self) -> dict:
        return {
            self.ind_count.pk: IndicatorEntry(value=Decimal("12")),
            self.ind_budget.pk: IndicatorEntry(not_available=True, reason="Budget not yet published"),
        }


@pytest.fixture
def world(cast) -> World:
    plan = f.PlanFactory()
    goal = f.GoalFactory(plan=plan, code="1", title="Goal one")
    action = f.ActionFactory(goal=goal, code="1.1", title="Train city staff", members=[cast.member_a, cast.member_b])
    other_action = f.ActionFactory(goal=goal, code="1.2", title="Share data", members=[cast.member_a])
    ind_count = f.IndicatorFactory(action=action, code="1.1.a", name="Cities trained", unit="cities", order=1)
    ind_budget = f.IndicatorFactory(
        action=action, code="1.1.b", name="Budget spent", unit="EUR", baseline=Decimal("0"),
        target=Decimal("50000"), order=2,
    )
    other_indicator = f.IndicatorFactory(action=other_action, code="1.2.a", name="Datasets shared")
    closed = f.ReportingPeriodFactory(
        plan=plan, code="2021-Q4", start=date(2021, 10, 1), end=date(2021, 12, 31), is_open=False
    )
    previous = f.ReportingPeriodFactory(
        plan=plan, code="2022-Q1", start=date(2022, 1, 1), end=date(2022, 3, 31), is_open=False
    )
    period = f.ReportingPeriodFactory(
        plan=plan, code="2022-Q2", start=date(2022, 4, 1), end=date(2022, 6, 30), is_open=True
    )
    return World(plan, action, other_action, ind_count, ind_budget, other_indicator, previous, period, closed)


@pytest.fixture
def decimals(world):
    """Indicator 1.1.a takes any number with two decimals (as a count it takes whole numbers only)."""
    world.ind_count.measure = "currency"
    world.ind_count.save(update_fields=["measure"])
    return world


def make_update(world, member, *, state="draft", period=None, action=None, complete=True, **kwargs):
    """An update in `state`, with both indicator values when `complete`."""
    update = f.ProgressUpdateFactory(
        member=member, action=action or world.action, period=period or world.period, state=state, **kwargs
    )
    if complete and (action or world.action) == world.action:
        f.IndicatorValueFactory(update=update, indicator=world.ind_count, value=Decimal("10"))
        f.IndicatorValueFactory(
            update=update, indicator=world.ind_budget, value=None, not_available=True,
            not_available_reason="Not counted",
        )
    return update


@pytest.fixture
def reminder_day(celery_eager, django_capture_on_commit_callbacks, monkeypatch):
    """Run the daily reminder job as the beat runs it on `day` (time frozen at
    07:00 UTC): it queues e-mails through the outbox, which relays them after
    commit to the task queue (eager here), whose tasks send them at once."""
    from datetime import UTC, datetime, time

    from metroplan import outbox
    from metroplan.testing.clock import frozen
    from reporting.tasks import send_reminders

    monkeypatch.setattr(outbox, "_broker_down_until", 0.0)  # a broker-down test just before is not ours

    def run(day):
        with frozen(datetime.combine(day, time(7), tzinfo=UTC)), django_capture_on_commit_callbacks(execute=True):
            return send_reminders()

    return run
