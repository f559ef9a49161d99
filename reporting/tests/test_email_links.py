"""Every e-mail links to the exact page it is about, on the site's public
address (SITE_URL): a review result to the update (a returned one to its form),
a reopening request to where staff answer it, a decision to the member's
updates, a report to the report. (Reminders and digests: test_reminders.py;
invitations: members/tests/test_people.py.)"""

from datetime import date

import pytest
from django.urls import reverse

from reporting import services
from reporting.models import PeriodReopening, Report
from reporting.notifications import send_reopening_notification, send_update_notification
from reporting.report_services import report_notify_ready

from .conftest import make_update

pytestmark = pytest.mark.django_db

SITE = "https://plan.metropolis.test"


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.SITE_URL = SITE


def test_a_returned_update_links_to_its_form_and_an_approved_one_to_the_update(cast, world, mailoutbox):
    update = make_update(world, cast.member_a, state="submitted")
    services.update_return(user=cast.staff, update=update, comment="Add the source.")
    send_update_notification(update_id=update.pk, event="returned")
    [returned] = mailoutbox
    assert f"{SITE}{reverse('update-edit', args=['member-a', world.period.code, world.action.code])}" in returned.body
    update.refresh_from_db()
    services.update_submit(user=cast.focal_a, update=update)
    services.update_approve(user=cast.staff, update=update)
    send_update_notification(update_id=update.pk, event="approved")
    assert f"{SITE}{reverse('update-detail', args=[update.pk])}" in mailoutbox[-1].body


def test_a_reopening_request_links_staff_to_the_queue_and_a_decision_the_member_to_its_updates(cast, world,
                                                                                                mailoutbox):
    reopening = PeriodReopening.objects.create(member=cast.member_a, period=world.closed, reason="Late data",
                                               requested_by=cast.focal_a)
    send_reopening_notification(reopening_id=reopening.pk, event="requested")
    assert mailoutbox[-1].to == [cast.staff.email]
    assert f"{SITE}{reverse('update-review-queue')}#reopen-title" in mailoutbox[-1].body
    reopening.state, reopening.until = "granted", date(2022, 2, 15)
    reopening.save()
    send_reopening_notification(reopening_id=reopening.pk, event="granted")
    assert mailoutbox[-1].to == [cast.focal_a.email]
    assert f"{SITE}{reverse('updates')}" in mailoutbox[-1].body


def test_report_ready_links_to_the_report(cast, world, mailoutbox):
    report = Report.objects.create(plan=world.plan, period=world.period, kind=Report.Kind.ON_DEMAND,
                                   state=Report.State.DONE, requested_by=cast.staff, as_of=date(2022, 4, 1))
    report_notify_ready(report_id=report.pk)
    assert f"{SITE}{reverse('report-detail', args=[report.pk])}" in mailoutbox[-1].body
