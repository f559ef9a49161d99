"""Reminders people can rely on: the schedule staff set (by default 14 and 3
days before the deadline, on the day, then weekly while overdue), each step
sent once per member and period, stopping when the updates are submitted or
the period closes, in each recipient's language, with links to the pages; and
the weekly digest to staff. Time is frozen (metroplan.testing.clock): each
test walks the calendar day by day as the daily job would."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from members.languages import user_language_set
from metroplan.testing import factories as f
from metroplan.testing.clock import frozen
from reporting import reminders
from reporting.models import DigestSent, ProgressUpdate, ReminderSchedule, ReminderSent
from reporting.tasks import send_reminder

pytestmark = pytest.mark.django_db

DEADLINE = date(2022, 4, 30)  # of 2022-Q1 (ends 31 March)
SITE = "http://metroplan.test"


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.SITE_URL = SITE


@pytest.fixture
def setting(cast):
    """Period 2022-Q1 (deadline 30 April 2022) in which A and B take part in 1.1,
    and A in 1.2; B has submitted, A has a draft of 1.1 and nothing of 1.2. A
    has a second focal point."""
    plan = f.PlanFactory()
    period = f.ReportingPeriodFactory(plan=plan, code="2022-Q1")
    goal = f.GoalFactory(plan=plan, code="1")
    papers = f.ActionFactory(goal=goal, code="1.1", title="Issue papers", title_fr="Publier des notes",
                             members=[cast.member_a, cast.member_b], order=1)
    f.ActionFactory(goal=goal, code="1.2", title="Share data", members=[cast.member_a], order=2)
    f.ProgressUpdateFactory(member=cast.member_b, action=papers, period=period, state="submitted")
    f.ProgressUpdateFactory(member=cast.member_a, action=papers, period=period, state="draft")
    f.FocalPointFactory(user=f.UserFactory(username="focal-a2", email="second@member-a.example"),
                        member=cast.member_a)
    return period


def to_focal_points(mailoutbox, cast) -> list:
    """The reminders among the e-mails (the staff's weekly digest aside)."""
    return [message for message in mailoutbox if cast.staff.email not in message.to]


def days(first: date, last: date):
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


def sent_steps(member) -> list[tuple[date, int]]:
    return [(row.sent_at.date(), row.step)
            for row in ReminderSent.objects.filter(member=member, state="sent").order_by("sent_at")]


def test_the_default_schedule_sends_each_step_once_then_weekly_while_overdue(setting, cast, reminder_day,
                                                                            mailoutbox):
    for day in days(date(2022, 4, 1), date(2022, 5, 31)):
        reminder_day(day)
        reminder_day(day)  # the job running twice a day changes nothing
    assert sent_steps(cast.member_a) == [
        (date(2022, 4, 16), -14), (date(2022, 4, 27), -3), (date(2022, 4, 30), 0),
        (date(2022, 5, 7), 7), (date(2022, 5, 14), 14), (date(2022, 5, 21), 21), (date(2022, 5, 28), 28),
    ]
    assert sent_steps(cast.member_b) == []  # B submitted: never reminded
    mailoutbox = to_focal_points(mailoutbox, cast)
    assert len(mailoutbox) == 7  # one e-mail per step (both of A's focal points read English)
    assert all(sorted(m.to) == sorted([cast.focal_a.email, "second@member-a.example"]) for m in mailoutbox)
    subjects = [m.subject for m in mailoutbox]
    assert subjects[0].startswith("Reminder: Member A's updates for 2022-Q1 are due by 30 April 2022")
    assert subjects[2].startswith("Due today: Member A's updates for 2022-Q1")
    assert subjects[3].startswith("Overdue: Member A's updates for 2022-Q1")


def test_the_database_holds_one_reminder_per_member_period_and_step(setting, cast):
    ReminderSent.objects.create(member=cast.member_a, period=setting, step=-3)
    with pytest.raises(IntegrityError), transaction.atomic():
        ReminderSent.objects.create(member=cast.member_a, period=setting, step=-3)


def test_reminders_stop_when_every_update_is_submitted(setting, cast, reminder_day, mailoutbox):
    for day in days(date(2022, 4, 25), date(2022, 5, 2)):
        reminder_day(day)
    assert [step for _day, step in sent_steps(cast.member_a)] == [-14, -3, 0]
    with frozen(date(2022, 5, 3)):
        ProgressUpdate.objects.filter(member=cast.member_a).update(state="submitted",
                                                                   first_submitted_at=timezone.now())
        f.ProgressUpdateFactory(member=cast.member_a, action=setting.plan.goals.get().actions.get(code="1.2"),
                                period=setting, state="submitted")
    for day in days(date(2022, 5, 3), date(2022, 6, 30)):
        reminder_day(day)
    assert [step for _day, step in sent_steps(cast.member_a)] == [-14, -3, 0]
    assert len(to_focal_points(mailoutbox, cast)) == 3


def test_one_update_still_missing_keeps_the_reminders_going_and_names_only_it(setting, cast, reminder_day,
                                                                              mailoutbox):
    ProgressUpdate.objects.filter(member=cast.member_a).update(state="submitted",
                                                               first_submitted_at=timezone.now())
    reminder_day(date(2022, 5, 7))
    [message] = to_focal_points(mailoutbox, cast)
    assert "1.2 Share data" in message.body and "1.1 Issue papers" not in message.body


def test_reminders_stop_when_the_period_closes(setting, cast, reminder_day, mailoutbox):
    reminder_day(date(2022, 5, 7))
    setting.is_open = False
    setting.save()
    for day in days(date(2022, 5, 8), date(2022, 6, 30)):
        reminder_day(day)
    assert [step for _day, step in sent_steps(cast.member_a)] == [7]


def test_an_update_submitted_between_queuing_and_sending_is_not_reminded(setting, cast, mailoutbox,
                                                                         django_capture_on_commit_callbacks):
    with frozen(date(2022, 4, 27)):
        with django_capture_on_commit_callbacks(execute=False):  # queued; the broker has not delivered it yet
            reminders.reminders_plan()
        ProgressUpdate.objects.filter(member=cast.member_a).update(state="submitted",
                                                                   first_submitted_at=timezone.now())
        f.ProgressUpdateFactory(member=cast.member_a, action=setting.plan.goals.get().actions.get(code="1.2"),
                                period=setting, state="submitted")
        reminder = ReminderSent.objects.get(member=cast.member_a)
        assert send_reminder(reminder_id=reminder.pk) == 0
    reminder.refresh_from_db()
    assert reminder.state == "skipped" and "submitted" in reminder.note
    assert mailoutbox == []


def test_a_job_that_missed_days_sends_the_latest_step_reached_once(setting, cast, reminder_day, mailoutbox):
    reminder_day(date(2022, 4, 29))  # the job did not run on the 16th nor the 27th
    reminder_day(date(2022, 4, 29))
    assert [step for _day, step in sent_steps(cast.member_a)] == [-3]
    [message] = to_focal_points(mailoutbox, cast)
    assert "due by 30 April 2022" in message.subject


def test_each_recipient_reads_the_reminder_in_their_language_with_a_link_to_each_update(setting, cast,
                                                                                      reminder_day, mailoutbox):
    user_language_set(user=cast.focal_a, language="fr")
    reminder_day(date(2022, 4, 27))
    mailoutbox = to_focal_points(mailoutbox, cast)
    assert len(mailoutbox) == 2
    french = next(m for m in mailoutbox if cast.focal_a.email in m.to)
    english = next(m for m in mailoutbox if "second@member-a.example" in m.to)
    assert french.subject.startswith("Rappel") and "30 avril 2022" in french.subject
    assert "1.1 Publier des notes" in french.body and "1.2 Share data" in french.body
    assert english.subject.startswith("Reminder") and "1.1 Issue papers" in english.body
    for message in (french, english):
        assert f"{SITE}{reverse('update-edit', args=['member-a', '2022-Q1', '1.1'])}" in message.body
        assert f"{SITE}{reverse('update-edit', args=['member-a', '2022-Q1', '1.2'])}" in message.body
        assert f"{SITE}{reverse('updates')}" in message.body


def test_the_schedule_staff_set_decides_the_steps(setting, cast, reminder_day, mailoutbox):
    reminders.reminder_schedule_update(user=cast.staff, days_before="10", on_deadline_day=False,
                                       overdue_every_days=0, digest_enabled=False, digest_weekday=0)
    for day in days(date(2022, 4, 1), date(2022, 6, 30)):
        reminder_day(day)
    assert sent_steps(cast.member_a) == [(date(2022, 4, 20), -10)]


def test_a_member_without_a_reachable_focal_point_is_reminded_once_one_is_added(setting, cast, reminder_day,
                                                                                mailoutbox):
    member_c = f.MemberFactory(slug="member-c", name="Member C")
    f.ActionFactory(goal=setting.plan.goals.get(), code="1.3", members=[member_c])
    reminder_day(date(2022, 4, 27))
    assert not ReminderSent.objects.filter(member=member_c).exists()
    f.FocalPointFactory(member=member_c, user=f.UserFactory(username="focal-c", email="c@member-c.example"))
    reminder_day(date(2022, 4, 28))
    assert sent_steps(member_c) == [(date(2022, 4, 28), -3)]


def test_a_deactivated_focal_point_is_not_reminded(setting, cast, reminder_day, mailoutbox):
    type(cast.focal_a).objects.filter(pk=cast.focal_a.pk).update(is_active=False)
    reminder_day(date(2022, 4, 27))
    [message] = to_focal_points(mailoutbox, cast)
    assert message.to == ["second@member-a.example"]


def test_step_reached_by_day():
    schedule = ReminderSchedule(days_before=[14, 3], on_deadline_day=True, overdue_every_days=7)
    expected = {-15: None, -14: -14, -4: -14, -3: -3, -1: -3, 0: 0, 6: 0, 7: 7, 13: 7, 14: 14, 70: 70}
    assert {d: reminders.step_reached(schedule, DEADLINE, DEADLINE + timedelta(days=d)) for d in expected} == expected


# --- the weekly digest ---------------------------------------------------------------------------------


@pytest.fixture
def staff_fr(cast):
    other = f.StaffFactory(username="staff-fr", email="fr@secretariat.example")
    user_language_set(user=other, language="fr")
    return other


def test_staff_get_one_digest_a_week_on_the_schedules_day_in_their_language(setting, cast, staff_fr,
                                                                           reminder_day, mailoutbox):
    f.ProgressUpdateFactory(member=cast.member_b, action=setting.plan.goals.get().actions.get(code="1.1"),
                            period=f.ReportingPeriodFactory(plan=setting.plan, code="2021-Q4", start=date(2021, 10, 1),
                                                            end=date(2021, 12, 31), is_open=False),
                            state="submitted")
    for day in days(date(2022, 5, 2), date(2022, 5, 15)):  # two weeks, Monday to Sunday
        reminder_day(day)
    digests = [m for m in mailoutbox if "digest" in m.subject.lower() or "hebdomadaire" in m.subject.lower()]
    assert sorted((d.user.username, d.week) for d in DigestSent.objects.all()) == [
        ("staff", date(2022, 5, 2)), ("staff", date(2022, 5, 9)),
        ("staff-fr", date(2022, 5, 2)), ("staff-fr", date(2022, 5, 9)),
    ]
    assert len(digests) == 4
    english = next(m for m in digests if m.to == [cast.staff.email])
    french = next(m for m in digests if m.to == [staff_fr.email])
    assert english.subject == "Weekly digest: 2 updates wait for review, 1 member overdue"
    assert "Member A, 2022-Q1: 2 of 2 missing" in english.body
    assert f"{SITE}{reverse('update-review-queue')}" in english.body
    assert f"{SITE}{reverse('home')}" in english.body
    assert french.subject.startswith("Synthèse hebdomadaire")
    assert all(d.state == "sent" and d.waiting == 2 and d.overdue == 1 for d in DigestSent.objects.all())


def test_no_digest_when_staff_turn_it_off_nor_before_its_weekday(setting, cast, reminder_day, mailoutbox):
    reminders.reminder_schedule_update(user=cast.staff, days_before="14, 3", on_deadline_day=True,
                                       overdue_every_days=7, digest_enabled=True, digest_weekday=3)
    reminder_day(date(2022, 5, 2))  # Monday, before Thursday
    assert not DigestSent.objects.exists()
    reminder_day(date(2022, 5, 5))
    assert DigestSent.objects.count() == 1
    reminders.reminder_schedule_update(user=cast.staff, days_before="14, 3", on_deadline_day=True,
                                       overdue_every_days=7, digest_enabled=False, digest_weekday=0)
    reminder_day(date(2022, 5, 9))
    assert DigestSent.objects.count() == 1


# --- the schedule and the log, for staff ---------------------------------------------------------------


def test_staff_set_the_schedule_on_its_page(client, cast):
    client.force_login(cast.staff)
    page = client.get(reverse("reminder-schedule"))
    assert page.status_code == 200 and 'value="14, 3"' in page.content.decode()
    response = client.post(reverse("reminder-schedule"), {
        "days_before": "21; 7, 7", "on_deadline_day": "", "overdue_every_days": "14", "digest_enabled": "on",
        "digest_weekday": "4",
    })
    assert response.status_code == 302
    schedule = reminders.reminder_schedule()
    assert (schedule.days_before, schedule.on_deadline_day, schedule.overdue_every_days, schedule.digest_weekday,
            schedule.updated_by) == ([21, 7], False, 14, 4, cast.staff)


def test_a_wrong_schedule_names_the_field_and_changes_nothing(client, cast):
    client.force_login(cast.staff)
    response = client.post(reverse("reminder-schedule"), {
        "days_before": "14, soon", "on_deadline_day": "on", "overdue_every_days": "7", "digest_weekday": "0",
    })
    assert response.status_code == 400
    assert response.context["form"].errors["days_before"] == [
        "Give whole numbers of days between 1 and 90, separated by commas (for example 14, 3); “soon” is not one."
    ]
    assert reminders.reminder_schedule().days_before == [14, 3]


@pytest.mark.parametrize("name", ["reminder-schedule", "reminder-log"])
def test_the_reminder_pages_are_staffs(client, cast, name):
    client.force_login(cast.focal_a)
    assert client.get(reverse(name)).status_code == 404


def test_staff_see_what_was_sent_and_filter_it(client, cast, setting, reminder_day):
    for day in (date(2022, 4, 16), date(2022, 4, 27), date(2022, 5, 2), date(2022, 5, 7)):
        reminder_day(day)
    client.force_login(cast.staff)
    page = client.get(reverse("reminder-log"))
    rows = list(page.context["page"])
    assert [(r.member.slug, r.step) for r in rows] == [("member-a", 7), ("member-a", 0), ("member-a", -3),
                                                       ("member-a", -14)]
    text = page.content.decode()
    assert "14 days before" in text and "7 days after" in text and "second@member-a.example" in text
    overdue = client.get(reverse("reminder-log"), {"kind": "overdue", "member": "member-a"})
    assert [r.step for r in overdue.context["page"]] == [7]
    after = client.get(reverse("reminder-log"), {"after": "2022-04-20", "before": "2022-05-03"})
    assert [r.step for r in after.context["page"]] == [0, -3]
    # The digest goes out at the first run on or after its weekday (Monday) of each week.
    digests = client.get(reverse("reminder-log"), {"show": "digests"})
    assert [(d.user.username, d.week, d.state) for d in digests.context["page"]] == [
        ("staff", date(2022, 5, 2), "sent"), ("staff", date(2022, 4, 25), "sent"), ("staff", date(2022, 4, 11), "sent"),
    ]
    wrong = client.get(reverse("reminder-log"), {"member": "nowhere"})
    assert wrong.status_code == 200 and "member" in wrong.context["errors"]


def test_the_log_costs_the_same_queries_for_few_and_many_rows(client, cast, setting):
    client.force_login(cast.staff)
    now = datetime.combine(DEADLINE, time(7), tzinfo=UTC)
    ReminderSent.objects.create(member=cast.member_a, period=setting, step=-3, state="sent", sent_at=now)
    client.get(reverse("reminder-log"))
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(reverse("reminder-log"))
    for i in range(30):
        member = f.MemberFactory(slug=f"many-{i}")
        ReminderSent.objects.create(member=member, period=setting, step=-3, state="sent", sent_at=now)
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("reminder-log"))
    assert len(many) == len(few)
