"""The figures engine itself: figures as of a day (approval times), the cache
(never a wrong figure, stale or down), and a fixed number of queries."""

from datetime import date, datetime, time
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from metroplan.testing import factories as f
from reporting.figures import approved as approved_values
from reporting.figures import cache, plan_figures
from reporting.models import ProgressUpdate

pytestmark = pytest.mark.django_db


def at(day: date):
    return timezone.make_aware(datetime.combine(day, time(12)))


@pytest.fixture
def scene():
    """One indicator (0 → 100); member a's Q1 value 40 approved on 10 May 2022."""
    plan = f.PlanFactory()
    q1 = f.ReportingPeriodFactory(plan=plan, code="2022-Q1", start=date(2022, 1, 1), end=date(2022, 3, 31))
    q2 = f.ReportingPeriodFactory(plan=plan, code="2022-Q2", start=date(2022, 4, 1), end=date(2022, 6, 30))
    a, b = f.MemberFactory(slug="a"), f.MemberFactory(slug="b")
    action = f.ActionFactory(goal=f.GoalFactory(plan=plan, code="1"), code="1.1", members=[a, b])
    # Nothing carried forward: these tests are about when a value counts, not how values add up.
    indicator = f.IndicatorFactory(action=action, code="1.1.a", carry_forward=0)
    approved(a, action, q1, indicator, 40, submitted=date(2022, 4, 20), reviewed=date(2022, 5, 10))
    return plan, q1, q2, a, b, action, indicator


def approved(member, action, period, indicator, value, *, submitted, reviewed):
    update = f.ProgressUpdateFactory(
        member=member, action=action, period=period, state=ProgressUpdate.State.APPROVED,
        first_submitted_at=at(submitted), submitted_at=at(submitted), reviewed_at=at(reviewed),
    )
    f.IndicatorValueFactory(update=update, indicator=indicator, value=Decimal(value))
    return update


def test_figures_as_of_a_day_leave_out_what_was_approved_later(scene):
    plan, q1, q2, a, b, action, indicator = scene
    before = plan_figures(plan, as_of=date(2022, 8, 1))
    assert before.progress.value == pytest.approx(0.4)
    # b's Q2 value 80 is approved on 15 August: later figures move, the figures as of 1 August do not
    approved(b, action, q2, indicator, 80, submitted=date(2022, 7, 20), reviewed=date(2022, 8, 15))
    assert plan_figures(plan, as_of=date(2022, 8, 1)).progress.value == pytest.approx(0.4)
    assert plan_figures(plan, as_of=date(2022, 8, 1)).compliance.counts(q2)["on_time"] == 1  # submitted by then
    assert plan_figures(plan, as_of=date(2022, 8, 15)).progress.value == pytest.approx(0.8)
    assert plan_figures(plan).progress.value == pytest.approx(0.8)
    # Before the approval on 10 May 2022 nothing counted
    assert plan_figures(plan, as_of=date(2022, 5, 9)).progress.value == pytest.approx(0.0)
    assert plan_figures(plan, as_of=date(2022, 5, 9)).indicators[0].figure.inputs == [
        "No approved value yet: counted as 0%."
    ]


def test_up_to_leaves_out_later_periods(scene):
    plan, q1, q2, a, b, action, indicator = scene
    approved(b, action, q2, indicator, 80, submitted=date(2022, 7, 20), reviewed=date(2022, 8, 15))
    assert plan_figures(plan, up_to=q1.end).progress.value == pytest.approx(0.4)
    assert plan_figures(plan, up_to=q2.end).progress.value == pytest.approx(0.8)


def test_a_change_is_seen_at_once_although_figures_are_cached(scene):
    plan, q1, q2, a, b, action, indicator = scene
    assert plan_figures(plan).progress.value == pytest.approx(0.4)
    update = approved(b, action, q2, indicator, 60, submitted=date(2022, 7, 20), reviewed=date(2022, 8, 15))
    assert plan_figures(plan).progress.value == pytest.approx(0.6)
    # Reopened (returned): its value no longer counts
    update.state = ProgressUpdate.State.RETURNED
    update.reviewer_comment = "Check the source"
    update.save()
    assert plan_figures(plan).progress.value == pytest.approx(0.4)
    # A plan edit: a second indicator without values halves the action's progress
    f.IndicatorFactory(action=action, code="1.1.b")
    assert plan_figures(plan).progress.value == pytest.approx(0.2)


def test_a_cached_answer_costs_one_query_and_equals_the_computed_one(scene):
    plan = scene[0]
    first = plan_figures(plan)
    with CaptureQueriesContext(connection) as queries:
        again = plan_figures(plan)
    assert len(queries) == 1  # the figures version
    assert again.progress.as_dict() == first.progress.as_dict()


def test_a_cache_that_is_down_or_holds_garbage_never_changes_a_figure(scene, settings, monkeypatch):
    plan = scene[0]
    expected = plan_figures(plan).progress.as_dict()

    class Broken:
        def get_many(self, keys):
            raise ConnectionError("cache down")

        def set_many(self, values, timeout):
            raise ConnectionError("cache down")

    monkeypatch.setattr(cache, "caches", {cache.CACHE_ALIAS: Broken()})
    cache._local.clear()
    assert plan_figures(plan).progress.as_dict() == expected


def test_a_change_made_by_another_process_is_seen(scene):
    """Another process changes the data: this one's own memory of the figures
    is keyed on the version too, so it reads the new token and recomputes."""
    plan, q1, q2, a, b, action, indicator = scene
    assert plan_figures(plan).progress.value == pytest.approx(0.4)
    update = ProgressUpdate.objects.get(member=a, period=q1)
    update.values.update(value=Decimal(90))  # a bulk write, as from elsewhere: no signal here...
    approved_values.refresh([update.pk])  # ...but the approved values that other process's write kept in step...
    cache.bump()  # ...and the version it replaced
    assert plan_figures(plan).progress.value == pytest.approx(0.9)


def test_an_entry_of_older_data_is_never_read(scene):
    """Entries are keyed on a token the data's every change replaces: what was
    cached for the data before a change cannot answer for the data after it."""
    plan, q1, q2, a, b, action, indicator = scene
    plan_figures(plan)
    token_before = cache.current_version()
    approved(b, action, q2, indicator, 100, submitted=date(2022, 7, 20), reviewed=date(2022, 8, 15))
    assert cache.current_version() != token_before
    assert plan_figures(plan).progress.value == pytest.approx(1.0)


def test_the_engine_reads_a_fixed_number_of_queries_whatever_the_data(scene):
    plan, q1, q2, a, b, action, indicator = scene

    def queries_for_fresh_figures() -> int:
        cache.bump()
        with CaptureQueriesContext(connection) as queries:
            figures = plan_figures(plan)
            figures.compliance.per_region(q1)
        return len(queries)

    small = queries_for_fresh_figures()
    for n in range(30):
        member = f.MemberFactory(slug=f"more-{n}")
        action.participations.create(member=member)
        approved(member, action, q1, indicator, n, submitted=date(2022, 4, 20), reviewed=date(2022, 5, 10))
        goal = f.GoalFactory(plan=plan, code=f"g{n}")
        f.IndicatorFactory(action=f.ActionFactory(goal=goal, code=f"g{n}.1"))
    assert queries_for_fresh_figures() == small


def test_a_deadline_passing_at_a_members_midnight_is_seen_within_the_quarter_hour(scene):
    """Cached figures of now are keyed on the quarter of an hour: a slot that
    was due becomes missing when the deadline day ends in the member's zone."""
    from datetime import timedelta
    from unittest import mock
    from zoneinfo import ZoneInfo

    plan, q1, q2, a, b, action, indicator = scene
    for member in (a, b):  # Seoul's midnight is 15:00 UTC: the site's date does not change with it
        member.time_zone = "Asia/Seoul"
        member.save()
    end_of_deadline = datetime.combine(q2.deadline + timedelta(days=1), time.min, tzinfo=ZoneInfo("Asia/Seoul"))
    with mock.patch("django.utils.timezone.now", return_value=end_of_deadline - timedelta(minutes=5)):
        before = plan_figures(plan).compliance.counts(q2)
    with mock.patch("django.utils.timezone.now", return_value=end_of_deadline + timedelta(minutes=1)):
        after = plan_figures(plan).compliance.counts(q2)
    assert (before["due"], before["missing"]) == (2, 0)
    assert (after["due"], after["missing"]) == (0, 2)
