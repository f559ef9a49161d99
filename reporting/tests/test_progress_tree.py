"""actions.selectors.progress_tree (the reports' one-pass progress figures)
gives the figures of the querysets' with_progress() annotations on a
randomized plan: goals, actions of every status and weight (some retired or
cancelled), indicators rising and falling (some retired, some without
values), approved and unapproved values over several periods."""

import random
from datetime import date
from decimal import Decimal

import pytest

from actions import selectors
from actions.models import Action, Goal, Indicator
from metroplan.figures import Figure
from metroplan.testing import factories as f
from reporting.models import ProgressUpdate

pytestmark = pytest.mark.django_db


def same(fast, slow):
    """Equal, up to the last bits of a float mean taken in another order."""
    if slow is None:
        return fast is None
    return fast == pytest.approx(slow, rel=1e-12, abs=1e-15)


def build_plan(seed: int):
    rng = random.Random(seed)
    plan = f.PlanFactory()
    periods = [
        f.ReportingPeriodFactory(plan=plan, code=f"2022-Q{n + 1}", start=date(2022, 3 * n + 1, 1),
                                 end=date(2022, 3 * n + 3, 28))
        for n in range(4)
    ]
    members = [f.MemberFactory() for _ in range(5)]
    goals = [f.GoalFactory(plan=plan, code=str(n + 1), retired=n == 3) for n in range(4)]
    for n in range(9):
        action = f.ActionFactory(
            goal=rng.choice(goals), code=f"A{n}", weight=rng.randint(1, 4), retired=rng.random() < 0.1,
            status=rng.choice([s for s, _ in Action.Status.choices]),
        )
        for k in range(rng.randint(0, 3)):
            baseline = Decimal(rng.randint(0, 50))
            target = baseline + Decimal(rng.choice([-1, 1]) * rng.randint(5, 60))
            indicator = f.IndicatorFactory(
                action=action, code=f"A{n}.{k}", baseline=baseline, target=target, retired=rng.random() < 0.15,
                direction="increase" if target > baseline else "decrease",
            )
            for period in periods:
                for member in members:
                    if rng.random() < 0.4:
                        continue
                    update = ProgressUpdate.objects.filter(member=member, action=action, period=period).first()
                    if update is None:
                        update = f.ProgressUpdateFactory(
                            member=member, action=action, period=period,
                            state=rng.choice(["approved", "approved", "submitted", "returned"]),
                        )
                    number = None if rng.random() < 0.15 else baseline + (target - baseline) * Decimal(
                        rng.randint(-20, 130)) / 100
                    f.IndicatorValueFactory(
                        update=update, indicator=indicator, value=number, not_available=number is None,
                        not_available_reason="not counted" if number is None else "",
                    )
    return plan


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("as_of", [None, date(2022, 7, 1)])
def test_progress_tree_equals_the_querysets(seed, as_of):
    plan = build_plan(seed)
    tree = selectors.progress_tree(plan, as_of)

    slow_indicators = list(selectors.indicators_progress(plan, as_of))
    assert [i.pk for i in tree.indicators] == [i.pk for i in slow_indicators]
    for fast, slow in zip(tree.indicators, slow_indicators, strict=True):
        assert (fast.latest_value, fast.latest_period_end, fast.latest_members) == (
            slow.latest_value, slow.latest_period_end, slow.latest_members
        )
        assert same(fast.progress, slow.progress)

    slow_actions = list(selectors.actions_progress(plan, as_of))
    assert [a.pk for a in tree.actions] == [a.pk for a in slow_actions]
    for fast, slow in zip(tree.actions, slow_actions, strict=True):
        assert same(fast.progress, slow.progress)

    slow_goals = list(Goal.objects.filter(plan=plan, retired=False).with_progress(as_of).order_by("order", "code"))
    assert [g.pk for g in tree.goals] == [g.pk for g in slow_goals]
    for fast, slow in zip(tree.goals, slow_goals, strict=True):
        assert fast.action_count == slow.action_count
        assert same(fast.progress, slow.progress)

    actions = Action.objects.in_plan(plan)
    counted = actions.counted()
    assert same(tree.plan.value, counted.progress_mean(as_of))
    assert tree.plan.percent == (None if tree.plan.value is None else round(counted.progress_mean(as_of) * 100))
    reference = reference_plan_progress(plan, as_of)
    assert (tree.plan.inputs, tree.plan.left_out, tree.plan.covered, tree.plan.expected) == (
        reference.inputs, reference.left_out, reference.covered, reference.expected
    )


def reference_plan_progress(plan, as_of):
    """plan_progress as it was computed before progress_tree, from the querysets."""
    actions = Action.objects.in_plan(plan)
    counted = actions.counted()
    rows = list(Indicator.objects.filter(action__in=counted, retired=False).with_latest_value(as_of)
                .values("code", "latest_value").order_by("code"))
    missing = [row["code"] for row in rows if row["latest_value"] is None]
    left_out = [f"{actions.count() - counted.count()} cancelled or retired actions"] if (
        actions.count() != counted.count()) else []
    if missing:
        left_out.append("Indicators without approved values (counted as 0%): " + ", ".join(missing))
    return Figure(value=counted.progress_mean(as_of), rule="", inputs=[
        f"{counted.count()} actions", f"{len(rows)} indicators"], left_out=left_out,
        covered=len(rows) - len(missing), expected=len(rows))


@pytest.mark.django_db
def test_early_warnings_from_the_tree_equal_the_standalone_rule():
    """The overview and the reports take the early warning's series from the
    progress tree; it must flag the same indicators with the same projections."""
    from django.core.management import call_command

    from actions.models import Plan
    from reporting.demo import demo_seed

    call_command("load_plan", verbosity=0)
    demo_seed()
    plan = Plan.objects.current()
    for as_of in (None, date(2022, 6, 30)):
        tree = selectors.progress_tree(plan, as_of)
        standalone = [(w.action.code, w.indicator.code, round(w.projected, 9))
                      for w in selectors.early_warnings(plan, as_of)]
        from_tree = [(w.action.code, w.indicator.code, round(w.projected, 9))
                     for w in selectors.early_warnings(plan, as_of, tree=tree)]
        assert standalone and from_tree == standalone
