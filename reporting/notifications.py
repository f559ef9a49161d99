"""E-mail to focal points when their update changes state."""

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from members.languages import emails_by_language
from metroplan.links import absolute_url
from metroplan.outbox import outbox_enqueue

logger = logging.getLogger(__name__)

SUBJECTS = {
    "submitted": gettext_noop("Update submitted: %(update)s"),
    "approved": gettext_noop("Update approved: %(update)s"),
    "returned": gettext_noop("Update returned for changes: %(update)s"),
}


def queue_update_notification(*, update_id: int, event: str) -> None:
    """Write the notification to the outbox, in the transaction of the transition
    it reports on: it reaches the broker after commit, or later if the broker is
    down, and is sent once."""
    outbox_enqueue("reporting.tasks.notify_update", update_id=update_id, event=event)


def send_update_notification(*, update_id: int, event: str) -> int:
    """Send the e-mail now; returns the number of messages sent."""
    from reporting.models import ProgressUpdate

    update = (
        ProgressUpdate.objects.select_related("member", "action", "period")
        .filter(pk=update_id)
        .first()
    )
    if update is None or event not in SUBJECTS:
        return 0
    detail_link = absolute_url(reverse("update-detail", args=[update.pk]))
    edit_link = absolute_url(reverse("update-edit", args=[update.member.slug, update.period.code, update.action.code]))
    sent = 0
    # Rendered now, at send time, in each focal point's stored language.
    for language, recipients in _focal_point_emails(update.member_id).items():
        with translation.override(language):
            subject = _(SUBJECTS[event]) % {"update": update}
            body = _("Your update %(update)s is now %(state)s.") % {
                "update": update, "state": update.get_state_display()
            }
            if event == "returned":
                body += "\n\n" + _("Reviewer's comment:") + "\n" + update.reviewer_comment
                body += "\n\n" + _("Make the changes and submit it again here: %(link)s") % {"link": edit_link}
            else:
                body += "\n\n" + _("See it here: %(link)s") % {"link": detail_link}
        sent += send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
    return sent


def _focal_point_emails(member_id: int) -> dict[str, list[str]]:
    """The member's focal points' addresses, grouped by their languages."""
    return emails_by_language(get_user_model().objects.filter(focal_point__member_id=member_id))


REOPENING_SUBJECTS = {
    "requested": gettext_noop("Request to reopen %(period)s for %(member)s"),
    "granted": gettext_noop("Period %(period)s reopened for %(member)s"),
    "refused": gettext_noop("Request to reopen %(period)s for %(member)s refused"),
}


def queue_reopening_notification(*, reopening_id: int, event: str) -> None:
    """Write the reopening e-mail to the outbox, like queue_update_notification."""
    outbox_enqueue("reporting.tasks.notify_reopening", reopening_id=reopening_id, event=event)


def send_reopening_notification(*, reopening_id: int, event: str) -> int:
    """A request goes to the secretariat; a decision goes to the member's focal points."""

    from metroplan.permissions import secretariat_users
    from reporting.models import PeriodReopening

    reopening = PeriodReopening.objects.select_related("member", "period").filter(pk=reopening_id).first()
    if reopening is None or event not in REOPENING_SUBJECTS:
        return 0
    if event == "requested":
        groups = emails_by_language(secretariat_users())
    else:
        groups = _focal_point_emails(reopening.member_id)
    names = {"period": reopening.period.code, "member": reopening.member.name}
    # Staff answer a request in the review queue; a member reports in the reopened period from its updates page.
    path = reverse("update-review-queue") + "#reopen-title" if event == "requested" else reverse("updates")
    link = absolute_url(path)
    sent = 0
    for language, recipients in groups.items():
        with translation.override(language):
            subject = _(REOPENING_SUBJECTS[event]) % names
            if event == "requested":
                body = _("%(member)s asks to report late in %(period)s. Reason:") % names + "\n" + reopening.reason
            elif event == "granted":
                body = _("%(member)s may submit updates for %(period)s until %(until)s.") % {
                    **names, "until": date_format(reopening.until, "DATE_FORMAT")
                }
            else:
                body = _("The secretariat did not reopen %(period)s for %(member)s.") % names
            if event == "requested":
                body += "\n\n" + _("Answer it here: %(link)s") % {"link": link}
            elif event == "granted":
                body += "\n\n" + _("The period's updates are on your updates page: %(link)s") % {"link": link}
            else:
                body += "\n\n" + _("Your updates: %(link)s") % {"link": link}
        sent += send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
    return sent
