"""Migration 0022 fills the engine's approved values from every value of every
approved update already stored (and none of another state), so the figures are
the same the moment the engine reads the new table; run again, it gives each
value once."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from metroplan.testing import factories as f
from reporting.figures import cache, plan_figures

BEFORE = [("reporting", "0021_approved_indicator_value")]
AFTER = [("reporting", "0022_fill_approved_indicator_values")]


def migrate(target):
    """Reporting at `target`, every other app at its latest migration."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    target = target + [node for node in executor.loader.graph.leaf_nodes() if node[0] != "reporting"]
    executor.migrate(target)
    return executor.loader.project_state(target).apps


@pytest.mark.django_db(transaction=True)
def test_every_approved_value_is_kept_and_no_other():
    # Today's models write the rows (later migrations may add columns); the table is then emptied by going back.
    plan = f.PlanFactory()
    q1 = f.ReportingPeriodFactory(plan=plan, code="2022-Q1", start=date(2022, 1, 1), end=date(2022, 3, 31))
    q2 = f.ReportingPeriodFactory(plan=plan, code="2022-Q2", start=date(2022, 4, 1), end=date(2022, 6, 30))
    a, b = f.MemberFactory(slug="a", name="A"), f.MemberFactory(slug="b", name="B")
    action = f.ActionFactory(goal=f.GoalFactory(plan=plan, code="1"), code="1.1", members=[a, b])
    count = f.IndicatorFactory(action=action, code="1.1.a", by_sex=True)
    ratio = f.IndicatorFactory(action=action, code="1.1.b", measure="ratio")
    approved_at = datetime(2022, 5, 10, 12, tzinfo=UTC)
    kept = []
    for member, period, value in ((a, q1, "40"), (b, q1, "80"), (a, q2, "60")):
        update = f.ProgressUpdateFactory(member=member, action=action, period=period, state="approved",
                                         reviewed_at=approved_at)
        kept.append(f.IndicatorValueFactory(update=update, indicator=count, value=Decimal(value),
                                            women=Decimal("10"), men=Decimal("5")))
        kept.append(f.IndicatorValueFactory(update=update, indicator=ratio, value=None, not_available=True,
                                            not_available_reason="No survey"))
    waiting = f.ProgressUpdateFactory(member=b, action=action, period=q2, state="submitted")
    f.IndicatorValueFactory(update=waiting, indicator=count, value=Decimal("99"))
    expected = plan_figures(plan).action("1.1").progress
    assert expected == pytest.approx(0.35)  # 1.1.a: Q2 A's 60 and B's 80 carried forward, mean 70%; 1.1.b 0%
    try:
        old = migrate(BEFORE)
        assert not old.get_model("reporting", "ApprovedIndicatorValue").objects.exists()

        new = migrate(AFTER)
        rows = new.get_model("reporting", "ApprovedIndicatorValue").objects.order_by("source_id")
        assert [
            (row.source_id, row.update_id, row.indicator_id, row.member_id, row.period_id, row.approved_at,
             row.value, row.not_available_reason, row.women, row.men)
            for row in rows
        ] == [
            (value.pk, value.update_id, value.indicator_id, value.update.member_id, value.update.period_id,
             approved_at, value.value, value.not_available_reason, value.women, value.men)
            for value in kept
        ]
        migrate(BEFORE)
        again = migrate(AFTER)
        assert again.get_model("reporting", "ApprovedIndicatorValue").objects.count() == len(kept)  # once each
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
    cache.bump()  # the figures read from the filled table
    assert plan_figures(plan).action("1.1").progress == pytest.approx(expected)
