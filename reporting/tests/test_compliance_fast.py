"""The fast compliance counts (one grouped query for many periods) agree with
the per-slot outcomes of expected_slots() on a randomized plan: several
members, actions, periods, membership spans (suspended, left, exempted,
joined late), reopenings (granted, refused), drafts, late and on-time
submissions."""

import random
from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone

from actions.models import Action, Participation
from members.models import Membership
from metroplan.testing import factories as f
from reporting import selectors
from reporting.models import PeriodReopening, ProgressUpdate
from reporting.querysets import compliance_counts, compliance_summary, expected_slots

pytestmark = pytest.mark.django_db

GROUPS = [None, "member_id", "member__region_id", "action_id", "action__code", "action__goal__code"]
QUARTERS = [(date(2022, 1, 1), date(2022, 3, 31)), (date(2022, 4, 1), date(2022, 6, 30)),
            (date(2022, 7, 1), date(2022, 9, 30)), (date(2022, 10, 1), date(2022, 12, 31))]


def at(day, hour=12):
    return timezone.make_aware(datetime.combine(day, datetime.min.time().replace(hour=hour)))


def build_world(seed: int):
    rng = random.Random(seed)
    plan = f.PlanFactory()
    other_plan = f.PlanFactory(code="2018-2020", is_current=False)
    periods = [
        f.ReportingPeriodFactory(plan=plan, code=f"2022-Q{n + 1}", start=start, end=end)
        for n, (start, end) in enumerate(QUARTERS)
    ]
    other_period = f.ReportingPeriodFactory(plan=other_plan, code="2022-Q1")
    regions = [f.RegionFactory(slug=f"r{n}") for n in range(3)]
    members = [f.MemberFactory(slug=f"m{n}", region=rng.choice(regions)) for n in range(9)]
    for member in members:
        roll = rng.random()
        if roll < 0.2:  # joined in the middle of the year
            Membership.objects.filter(member=member).update(start=date(2022, rng.randint(2, 11), 15))
        elif roll < 0.35:  # left
            end = date(2022, rng.randint(1, 11), 10)
            Membership.objects.filter(member=member).update(end=end)
            Membership.objects.create(member=member, standing="left", start=end + timedelta(days=1))
        for standing in ("suspended", "exempted"):
            if rng.random() < 0.25:
                start = date(2022, rng.randint(1, 12), rng.randint(1, 28))
                end = None if rng.random() < 0.3 else start + timedelta(days=rng.randint(0, 60))
                Membership.objects.create(member=member, standing=standing, start=start, end=end)
    goals = [f.GoalFactory(plan=plan, code=str(n + 1)) for n in range(2)]
    actions = []
    for n in range(6):
        start = date(2021, 1, 1) if rng.random() < 0.6 else date(2022, rng.randint(1, 12), 1)
        end = date(2023, 12, 31) if rng.random() < 0.7 else date(2022, rng.randint(3, 12), 28)
        status = rng.choice([Action.Status.ON_TRACK] * 4 + [Action.Status.CANCELLED, Action.Status.COMPLETED])
        actions.append(f.ActionFactory(goal=goals[n % 2], code=f"{n % 2 + 1}.{n + 1}", start_date=start,
                                       end_date=max(start, end), status=status, retired=rng.random() < 0.1))
    other_action = f.ActionFactory(goal=f.GoalFactory(plan=other_plan), code="9.1")
    for action in [*actions, other_action]:
        for member in members:
            if rng.random() < 0.75:
                Participation.objects.create(action=action, member=member)
    for period in [*periods, other_period]:
        for member in members:
            if rng.random() < 0.6:
                PeriodReopening.objects.create(
                    period=period, member=member, reason="storm",
                    state=rng.choice(["granted", "granted", "refused", "requested"]),
                    until=period.deadline + timedelta(days=rng.randint(1, 30)),
                )
        for action in actions if period is not other_period else [other_action]:
            for member in members:
                roll = rng.random()
                if roll < 0.25:
                    continue  # nothing sent (some of these members are not expected anyway)
                if roll < 0.35:
                    state, submitted = ProgressUpdate.State.DRAFT, None
                else:
                    state = rng.choice(["submitted", "approved", "returned"])
                    submitted = period.deadline + timedelta(days=rng.randint(-40, 40))
                update = f.ProgressUpdateFactory(member=member, action=action, period=period, state=state)
                # Late in the evening on the deadline day is still on time: dates, not timestamps, count.
                ProgressUpdate.objects.filter(pk=update.pk).update(
                    first_submitted_at=at(submitted, hour=rng.choice([0, 12, 23])) if submitted else None
                )
    # Make sure one late update is excused, whatever the draw.
    for period in periods:
        late = expected_slots(period, today=date(2023, 6, 1)).filter(outcome="late").first()
        if late is not None:
            PeriodReopening.objects.create(period=period, member_id=late.member_id, state="granted",
                                           reason="flood", until=date(2023, 12, 31))
            break
    return plan, periods


def slow(period, group_by, today):
    return compliance_summary(period, group_by, slots=expected_slots(period, today=today), today=today)


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_fast_counts_equal_the_slot_outcomes(seed):
    plan, periods = build_world(seed)
    assert ProgressUpdate.objects.filter(first_submitted_at__isnull=True).exists()
    for today in (date(2022, 5, 15), date(2023, 6, 1)):  # some periods not yet due, then all past
        for group_by in GROUPS:
            fast = compliance_counts(periods, group_by, today=today)
            for period in periods:
                expected = slow(period, group_by, today)
                if group_by is None:
                    assert fast.get(period.pk, {**dict.fromkeys(expected, 0), "rate": None}) == expected
                    assert compliance_summary(period, today=today) == expected
                else:
                    mine = {key[1]: row for key, row in fast.items() if key[0] == period.pk}
                    assert mine == expected, (period.code, group_by)
                    assert compliance_summary(period, group_by, today=today) == expected
    # Sanity: the fixture exercises every outcome.
    outcomes = {slot.outcome for period in periods for slot in expected_slots(period, today=date(2023, 6, 1))}
    assert {"on_time", "late", "excused", "missing"} <= outcomes


@pytest.mark.parametrize("seed", [5, 6])
def test_selectors_equal_the_slot_outcomes(seed):
    plan, periods = build_world(seed)
    today = date(2022, 8, 20)
    with_goal = {"goal": "1"}
    by_period = selectors.compliance_by_period(plan, today=today, **with_goal)
    for period, figure in by_period:
        counts = compliance_summary(
            period, slots=expected_slots(period, today=today).filter(action__goal__code="1"), today=today
        )
        assert (figure.value, figure.covered, figure.expected) == (
            counts["rate"], counts["on_time"] + counts["late"] + counts["excused"], counts["expected"]
        )
    periods_, members, cells = selectors.compliance_matrix(plan, today=today)
    assert periods_ == periods
    for period in periods:
        expected = slow(period, "member_id", today)
        assert {member_id: row for (member_id, period_id), row in cells.items() if period_id == period.pk} == expected
    assert {m.pk for m in members} == {member_id for member_id, _ in cells}
    for period in periods:
        assert selectors.compliance_by_member(period, today=today) == slow(period, "member_id", today)
        assert selectors.expected_counts_by_action(period, today=today) == slow(period, "action_id", today)
        regions = dict(selectors.compliance_by_region(period, today=today))
        assert {region.pk: fig.value for region, fig in regions.items()} == {
            key: row["rate"] for key, row in slow(period, "member__region_id", today).items()
        }
