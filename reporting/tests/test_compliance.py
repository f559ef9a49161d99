"""Compliance on a small hand-computed case."""

from datetime import date, datetime

import pytest
from django.utils import timezone

from members.models import Membership
from metroplan.testing import factories as f
from reporting.figures import expected_slots, outcome_counts
from reporting.models import PeriodReopening, ProgressUpdate

AFTER_DEADLINE = date(2022, 6, 1)
BEFORE_DEADLINE = date(2022, 4, 15)


def compliance_summary(period, group_by=None, *, today):
    """The period's outcome counts as they stood on `today` (overall, or by a field)."""
    by = (group_by,) if group_by else ()
    counts = outcome_counts([period], by, today=today, as_of=today)
    if group_by is None:
        return counts[(period.pk,)]
    return {key[1]: row for key, row in counts.items()}


def at(day):
    return timezone.make_aware(datetime.combine(day, datetime.min.time().replace(hour=12)))


@pytest.fixture
def scene(db):
    plan = f.PlanFactory()
    period = f.ReportingPeriodFactory(plan=plan, code="2022-Q1", start=date(2022, 1, 1), end=date(2022, 3, 31))
    assert period.deadline == date(2022, 4, 30)
    members = {name: f.MemberFactory(slug=name) for name in "abcdefg"}
    # f left before the period; g joined after it: neither is expected.
    Membership.objects.filter(member=members["f"]).update(end=date(2021, 12, 31))
    Membership.objects.create(member=members["f"], standing="left", start=date(2022, 1, 1))
    Membership.objects.filter(member=members["g"]).update(start=date(2022, 6, 1))
    action = f.ActionFactory(goal=f.GoalFactory(plan=plan), members=list(members.values()))

    def update(name, submitted, state=ProgressUpdate.State.SUBMITTED):
        return f.ProgressUpdateFactory(
            member=members[name], action=action, period=period, state=state,
            first_submitted_at=at(submitted) if submitted else None,
        )

    update("a", date(2022, 4, 10))  # on time
    update("b", date(2022, 5, 5))  # late
    update("c", date(2022, 5, 5))  # late, but within a granted reopening: excused
    PeriodReopening.objects.create(
        period=period, member=members["c"], state="granted", reason="flood", until=date(2022, 5, 10)
    )
    update("e", None, state=ProgressUpdate.State.DRAFT)  # a draft is not a submission
    return {"period": period, "members": members, "action": action}


def test_each_expected_update_is_classified(scene):
    outcomes = {
        slot.member.slug: slot.outcome
        for slot in expected_slots([scene["period"]], today=AFTER_DEADLINE).select_related("member")
    }
    assert outcomes == {"a": "on_time", "b": "late", "c": "excused", "d": "missing", "e": "missing"}


def test_compliance_rate_after_the_deadline(scene):
    summary = compliance_summary(scene["period"], today=AFTER_DEADLINE)
    assert summary["expected"] == 5
    assert (summary["on_time"], summary["late"], summary["excused"], summary["missing"]) == (1, 1, 1, 2)
    assert summary["rate"] == pytest.approx(1 / 4)  # excused left out of the denominator


def test_before_the_deadline_unsent_updates_are_due_not_missing(scene):
    # On 15 April only a's update (10 April) had been submitted: the other four are due, none missing.
    summary = compliance_summary(scene["period"], today=BEFORE_DEADLINE)
    assert summary["due"] == 4 and summary["missing"] == 0 and summary["on_time"] == 1
    assert summary["rate"] == pytest.approx(1.0)


def test_a_submission_after_the_day_asked_about_has_not_happened_yet(scene):
    # On 1 May b and c had not submitted (5 May): missing, not late; a week later they are late and excused.
    on_may_1 = compliance_summary(scene["period"], today=date(2022, 5, 1))
    assert (on_may_1["on_time"], on_may_1["late"], on_may_1["excused"], on_may_1["missing"]) == (1, 0, 0, 4)
    on_may_8 = compliance_summary(scene["period"], today=date(2022, 5, 8))
    assert (on_may_8["on_time"], on_may_8["late"], on_may_8["excused"], on_may_8["missing"]) == (1, 1, 1, 2)


def test_exempted_and_suspended_members_are_not_expected(scene):
    Membership.objects.create(member=scene["members"]["d"], standing="exempted", start=date(2022, 2, 1),
                              end=date(2022, 2, 28))
    Membership.objects.create(member=scene["members"]["e"], standing="suspended", start=date(2021, 6, 1))
    summary = compliance_summary(scene["period"], today=AFTER_DEADLINE)
    assert summary["expected"] == 3 and summary["missing"] == 0


def test_compliance_by_region_groups_in_one_query(scene, django_assert_num_queries):
    with django_assert_num_queries(1):
        rows = compliance_summary(scene["period"], "member__region_id", today=AFTER_DEADLINE)
    assert sum(row["expected"] for row in rows.values()) == 5
