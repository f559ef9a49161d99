"""Every e-mail reaches each recipient in their own stored language, including
those a background task sends through the outbox."""

from datetime import date

import pytest

from members.languages import user_language_set
from metroplan.testing import factories as f
from reporting import services
from reporting.models import PeriodReopening, Report
from reporting.notifications import send_reopening_notification
from reporting.report_services import report_notify_ready

from .conftest import make_update

pytestmark = pytest.mark.django_db


def by_recipient(mailoutbox) -> dict[str, object]:
    return {address: message for message in mailoutbox for address in message.to}


def test_a_french_focal_points_reminder_is_in_french_and_a_spanish_ones_in_spanish(cast, mailoutbox, reminder_day):
    plan = f.PlanFactory()
    f.ReportingPeriodFactory(plan=plan, code="2022-Q1")
    f.ActionFactory(goal=f.GoalFactory(plan=plan), code="1.1", title="Issue papers", title_fr="Publier des notes",
                    title_es="Publicar notas", members=[cast.member_a])
    f.ActionFactory(goal=f.GoalFactory(plan=plan, code="2"), code="2.1", title_en="Map data", title_fr="",
                    title_es="", members=[cast.member_a])
    french = cast.focal_a
    spanish = f.FocalPointFactory(user=f.UserFactory(username="focal-a-es", email="es@member-a.example"),
                                  member=cast.member_a).user
    english = f.FocalPointFactory(user=f.UserFactory(username="focal-a-en", email="en@member-a.example"),
                                  member=cast.member_a).user
    user_language_set(user=french, language="fr")
    user_language_set(user=spanish, language="es")

    reminder_day(date(2022, 4, 27))

    mailoutbox = [m for m in mailoutbox if m.to != [cast.staff.email]]  # the staff's weekly digest aside
    mails = by_recipient(mailoutbox)
    assert len(mailoutbox) == 3 and all(len(m.to) == 1 for m in mailoutbox)
    assert mails[french.email].subject.startswith("Rappel")
    assert "30 avril 2022" in mails[french.email].subject
    assert "1.1 Publier des notes" in mails[french.email].body
    assert "2.1 Map data" in mails[french.email].body  # no French title yet: the English one
    assert mails[spanish.email].subject.startswith("Recordatorio")
    assert "30 de abril de 2022" in mails[spanish.email].subject
    assert "1.1 Publicar notas" in mails[spanish.email].body
    assert mails[english.email].subject.startswith("Reminder")
    assert "1.1 Issue papers" in mails[english.email].body


def test_a_review_result_sent_by_the_background_task_is_in_the_recipients_language(
    cast, world, celery_eager, django_capture_on_commit_callbacks, mailoutbox
):
    user_language_set(user=cast.focal_a, language="es")
    update = make_update(world, cast.member_a, state="submitted")
    with django_capture_on_commit_callbacks(execute=True):
        services.update_return(user=cast.staff, update=update, comment="Añadan la fuente.")
    [message] = mailoutbox
    assert message.to == [cast.focal_a.email]
    assert message.subject.startswith("Actualización devuelta para cambios")
    assert "Comentario del revisor:" in message.body


def test_a_reopening_decision_is_in_the_recipients_language(cast, world, mailoutbox):
    user_language_set(user=cast.focal_a, language="fr")
    reopening = PeriodReopening.objects.create(member=cast.member_a, period=world.closed, state="granted",
                                               until=date(2022, 2, 15), reason="Late data")
    assert send_reopening_notification(reopening_id=reopening.pk, event="granted") == 1
    [message] = mailoutbox
    assert message.subject.startswith("Période 2021-Q4 rouverte")
    assert "15 février 2022" in message.body


def test_report_ready_is_in_the_requesters_language(cast, world, mailoutbox):
    user_language_set(user=cast.staff, language="fr")
    report = Report.objects.create(plan=world.plan, period=world.period, kind=Report.Kind.ON_DEMAND,
                                   state=Report.State.DONE, requested_by=cast.staff, as_of=date(2022, 4, 1))
    assert report_notify_ready(report_id=report.pk) == 1
    [message] = mailoutbox
    assert message.subject.startswith("Rapport prêt")
    assert "1 avril 2022" in message.body
