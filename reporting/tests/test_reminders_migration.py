"""Reminders sent before the schedule keep their record: the migration turns
"due soon" into step -7 and "overdue" into step +1, both sent, so nobody is
reminded again of what the old job covered; and it can be undone."""

from datetime import UTC, date, datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("reporting", "0012_private_file_names")]
AFTER = [("reporting", "0013_reminder_schedule_steps_digests")]


def migrate(target):
    """Reporting at `target`, every other app at its latest migration."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    target = target + [node for node in executor.loader.graph.leaf_nodes() if node[0] != "reporting"]
    executor.migrate(target)
    return executor.loader.project_state(target).apps


@pytest.mark.django_db(transaction=True)
def test_reminders_sent_by_kind_become_steps_and_back():
    old = migrate(BEFORE)
    region = old.get_model("members", "Region").objects.create(slug="r", name="R")
    member = old.get_model("members", "Member").objects.create(
        slug="m", name="M", country="Spain", country_code="ES", region=region, latitude=0, longitude=0, version=1
    )
    plan = old.get_model("actions", "Plan").objects.create(code="P", name="P", start_date=date(2021, 1, 1),
                                                           end_date=date(2023, 12, 31))
    period = old.get_model("reporting", "ReportingPeriod").objects.create(
        plan=plan, code="2022-Q1", start=date(2022, 1, 1), end=date(2022, 3, 31), deadline=date(2022, 4, 30)
    )
    sent = old.get_model("reporting", "ReminderSent")
    for kind in ("due_soon", "overdue"):
        sent.objects.create(member=member, period=period, kind=kind, recipients="a@example.org", actions="1.1")
    try:
        new = migrate(AFTER)
        rows = new.get_model("reporting", "ReminderSent").objects.order_by("step")
        assert [(r.step, r.state, r.queued_at == r.sent_at) for r in rows] == [(-7, "sent", True), (1, "sent", True)]
        new.get_model("reporting", "ReminderSent").objects.create(
            member_id=member.pk, period_id=period.pk, step=7, state="sent",
            queued_at=datetime(2022, 5, 7, tzinfo=UTC), sent_at=datetime(2022, 5, 7, tzinfo=UTC),
        )
        back = migrate(BEFORE)
        assert sorted(back.get_model("reporting", "ReminderSent").objects.values_list("kind", flat=True)) == [
            "due_soon", "overdue"
        ]
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
