"""Reminders go to the focal points of members with missing updates, once per
member, period and kind."""

from datetime import date, timedelta

import pytest

from metroplan.testing import factories as f
from reporting.models import ReminderSent
from reporting.reminders import reminders_send

pytestmark = pytest.mark.django_db

TODAY = date(2022, 4, 25)


@pytest.fixture
def setting(cast):
    """Period 2022-Q1 (deadline 2022-04-30) in which A and B take part in 1.1;
    B already submitted, A has only a draft."""
    plan = f.PlanFactory()
    period = f.ReportingPeriodFactory(plan=plan, code="2022-Q1")
    action = f.ActionFactory(goal=f.GoalFactory(plan=plan), code="1.1", title="Issue papers",
                             members=[cast.member_a, cast.member_b])
    f.ProgressUpdateFactory(member=cast.member_b, action=action, period=period, state="submitted")
    f.ProgressUpdateFactory(member=cast.member_a, action=action, period=period, state="draft")
    f.FocalPointFactory(user=f.UserFactory(username="focal-a2", email="second@member-a.example"),
                        member=cast.member_a)
    return period


def test_due_soon_goes_to_members_with_missing_updates_only(setting, cast, mailoutbox):
    assert reminders_send(today=TODAY) == 1
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert sorted(message.to) == sorted([cast.focal_a.email, "second@member-a.example"])
    assert "due by April 30, 2022, 23:59 UTC" in message.subject
    assert "1.1 Issue papers" in message.body
    assert cast.focal_b.email not in message.to


def test_each_reminder_is_sent_once(setting, mailoutbox):
    assert reminders_send(today=TODAY) == 1
    assert reminders_send(today=TODAY) == 0
    assert reminders_send(today=TODAY + timedelta(days=2)) == 0
    assert len(mailoutbox) == 1
    assert ReminderSent.objects.get().kind == ReminderSent.Kind.DUE_SOON


def test_overdue_after_the_deadline_once(setting, cast, mailoutbox):
    reminders_send(today=TODAY)
    assert reminders_send(today=date(2022, 5, 3)) == 1
    assert reminders_send(today=date(2022, 5, 4)) == 0
    overdue = mailoutbox[-1]
    assert overdue.subject.startswith("Overdue")
    assert cast.focal_a.email in overdue.to
    assert list(ReminderSent.objects.order_by("sent_at").values_list("kind", flat=True)) == ["due_soon", "overdue"]


def test_nothing_before_the_window_or_long_after_or_for_closed_periods(setting, mailoutbox):
    assert reminders_send(today=date(2022, 4, 1)) == 0  # deadline more than 7 days away
    assert reminders_send(today=date(2022, 7, 1)) == 0  # deadline passed more than 30 days ago
    setting.is_open = False
    setting.save()
    assert reminders_send(today=TODAY) == 0
    assert mailoutbox == []
