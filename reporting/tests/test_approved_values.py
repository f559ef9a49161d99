"""The approved values the figures engine reads (ApprovedIndicatorValue) are
kept in step with the workflow in the approval's own transaction: an approval
writes them, an update leaving "approved" or deleted takes them away, a
rolled-back approval leaves nothing; the figures people see are those of the
approved values; the engine's queries do not grow with the updates' history."""

from datetime import date, datetime, time
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from metroplan.testing import factories as f
from metroplan.testing.clock import frozen
from reporting import services
from reporting.figures import cache, plan_figures
from reporting.models import ApprovedIndicatorValue, ProgressUpdate

from .conftest import make_update

pytestmark = pytest.mark.django_db


def rows():
    return sorted(
        (row.indicator.code, row.member.slug, row.period.code, row.value, row.not_available_reason)
        for row in ApprovedIndicatorValue.objects.select_related("indicator", "member", "period")
    )


def indicator(figures, code):
    return next(i for i in figures.indicators if i.code == code)


def test_an_approval_writes_the_values_the_figures_count(world, cast):
    """1.1.a (0 → 100, mean of members' values): A's 10 approved → 10%; 1.1.b
    not available → 0%; action 1.1 → 5%."""
    update = make_update(world, cast.member_a, state="submitted")
    assert rows() == []
    assert indicator(plan_figures(world.plan), "1.1.a").latest_value is None

    services.update_approve(user=cast.staff, update=update)

    assert rows() == [
        ("1.1.a", "member-a", "2022-Q2", Decimal("10.00"), ""),
        ("1.1.b", "member-a", "2022-Q2", None, "Not counted"),
    ]
    approved = ApprovedIndicatorValue.objects.get(indicator=world.ind_count)
    update.refresh_from_db()
    assert approved.approved_at == update.reviewed_at
    figures = plan_figures(world.plan)
    assert indicator(figures, "1.1.a").latest_value == Decimal("10")
    assert indicator(figures, "1.1.a").progress == pytest.approx(0.10)
    # 1.1.b was marked not available: no number, so 0%; the action is the mean of its indicators, 5%.
    assert indicator(figures, "1.1.b").latest_value is None
    assert figures.action("1.1").progress == pytest.approx(0.05)


def test_a_second_member_s_approval_moves_the_network_value(world, cast):
    """A's 10 then B's 30 approved in 2022-Q2: the mean is 20, so 20%."""
    services.update_approve(user=cast.staff, update=make_update(world, cast.member_a, state="submitted"))
    second = make_update(world, cast.member_b, state="submitted", complete=False)
    f.IndicatorValueFactory(update=second, indicator=world.ind_count, value=Decimal("30"))
    assert indicator(plan_figures(world.plan), "1.1.a").progress == pytest.approx(0.10)  # B's not approved yet

    services.update_approve(user=cast.staff, update=second)

    figures = plan_figures(world.plan)
    assert indicator(figures, "1.1.a").latest_value == Decimal("20")
    assert indicator(figures, "1.1.a").progress == pytest.approx(0.20)
    assert indicator(figures, "1.1.a").latest_members == 2


def test_an_update_that_leaves_approved_or_goes_takes_its_values_away(world, cast):
    update = make_update(world, cast.member_a, state="submitted")
    services.update_approve(user=cast.staff, update=update)
    assert len(rows()) == 2
    # Sent back (as a reopening of the update would): its values no longer count.
    update.refresh_from_db()
    update.state, update.reviewer_comment = ProgressUpdate.State.RETURNED, "Check the source"
    update.save()
    assert rows() == []
    assert indicator(plan_figures(world.plan), "1.1.a").latest_value is None

    # Approved again, then one value deleted, then the whole update deleted.
    update.state = ProgressUpdate.State.APPROVED
    update.save()
    assert len(rows()) == 2
    update.values.get(indicator=world.ind_budget).delete()
    assert [row[0] for row in rows()] == ["1.1.a"]
    update.delete()
    assert rows() == []


def test_a_rolled_back_approval_leaves_nothing(world, cast, monkeypatch):
    update = make_update(world, cast.member_a, state="submitted")

    def broken(*args, **kwargs):
        raise RuntimeError("the notification could not be queued")

    monkeypatch.setattr(services, "_notify", broken)
    with pytest.raises(RuntimeError):
        services.update_approve(user=cast.staff, update=update)

    update.refresh_from_db()
    assert update.state == ProgressUpdate.State.SUBMITTED
    assert rows() == []
    assert indicator(plan_figures(world.plan), "1.1.a").latest_value is None


def test_figures_as_of_a_day_read_the_approval_time(world, cast):
    """Approved on 10 May 2022 (values of 2022-Q1): nothing counts as of 9 May,
    40% from 10 May; B's 80 in the next period makes 60% with A's 40 carried
    forward; a report's `up_to` leaves out the later period."""
    update = make_update(world, cast.member_a, state="submitted", period=world.previous, complete=False)
    f.IndicatorValueFactory(update=update, indicator=world.ind_count, value=Decimal("40"))
    approved_on = timezone.make_aware(datetime.combine(date(2022, 5, 10), time(12)))
    with frozen(approved_on):
        services.update_approve(user=cast.staff, update=update)
    assert ApprovedIndicatorValue.objects.get().approved_at == approved_on

    assert indicator(plan_figures(world.plan, as_of=date(2022, 5, 9)), "1.1.a").latest_value is None
    assert indicator(plan_figures(world.plan, as_of=date(2022, 5, 10)), "1.1.a").progress == pytest.approx(0.40)
    later = make_update(world, cast.member_b, state="submitted", complete=False)  # 2022-Q2
    f.IndicatorValueFactory(update=later, indicator=world.ind_count, value=Decimal("80"))
    services.update_approve(user=cast.staff, update=later)
    # 2022-Q2: B's 80 and A's 40 carried forward from 2022-Q1 (1 period): mean 60
    figures = plan_figures(world.plan)
    assert indicator(figures, "1.1.a").progress == pytest.approx(0.60)
    assert indicator(figures, "1.1.a").series[-1].carried == 1
    assert indicator(plan_figures(world.plan, up_to=world.previous.end), "1.1.a").progress == pytest.approx(0.40)


def _history(world, cast, first: int, last: int) -> None:
    """Quarters `first` to `last` - 1 (from 2010), each with A's and B's updates on both actions approved."""
    for n in range(first, last):
        year, quarter = 2010 + n // 4, n % 4
        period = f.ReportingPeriodFactory(
            plan=world.plan, code=f"{year}-Q{quarter + 1}", start=date(year, 3 * quarter + 1, 1),
            end=date(year, 3 * quarter + 3, 28), is_open=False,
        )
        for member in (cast.member_a, cast.member_b):
            make_update(world, member, state="approved", period=period)
            make_update(world, member, state="approved", period=period, action=world.other_action, complete=False)


def _engine_queries(plan) -> list[str]:
    cache.bump()  # computed, not read from the cache
    with CaptureQueriesContext(connection) as queries:
        figures = plan_figures(plan)
    assert figures.indicators
    return [query["sql"] for query in queries.captured_queries]


def test_the_engine_s_queries_do_not_grow_with_the_history_of_updates(world, cast):
    _history(world, cast, 0, 2)
    few = _engine_queries(world.plan)
    _history(world, cast, 2, 14)  # three years more of approved updates
    assert ProgressUpdate.objects.count() == 14 * 4
    many = _engine_queries(world.plan)
    assert len(many) == len(few)
    # The values are read from the approved values alone: never the values or the updates behind them.
    values_read = [sql for sql in many if "approvedindicatorvalue" in sql]
    assert len(values_read) == 1
    assert "reporting_progressupdate" not in values_read[0]
    assert not [sql for sql in many if "reporting_indicatorvalue" in sql]
