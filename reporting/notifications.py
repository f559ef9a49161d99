"""E-mail to focal points when their update changes state."""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

logger = logging.getLogger(__name__)

SUBJECTS = {
    "submitted": gettext_noop("Update submitted: %(update)s"),
    "approved": gettext_noop("Update approved: %(update)s"),
    "returned": gettext_noop("Update returned for changes: %(update)s"),
}


def queue_update_notification(*, update_id: int, event: str) -> None:
    """Queue the notification task; a broker that is down is logged, not raised,
    because the transition it reports on is already committed."""
    from reporting.tasks import notify_update

    try:
        notify_update.delay(update_id, event)
    except Exception:  # noqa: BLE001 - kombu raises many kinds of connection errors
        logger.exception("Could not queue the %s notification for update %s", event, update_id)


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
    recipients = [
        fp.user.email for fp in update.member.focal_points.select_related("user") if fp.user.email
    ]
    if not recipients:
        return 0
    subject = _(SUBJECTS[event]) % {"update": update}
    body = _("Your update %(update)s is now %(state)s.") % {"update": update, "state": update.get_state_display()}
    if event == "returned":
        body += "\n\n" + _("Reviewer's comment:") + "\n" + update.reviewer_comment
    return send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)


REOPENING_SUBJECTS = {
    "requested": gettext_noop("Request to reopen %(period)s for %(member)s"),
    "granted": gettext_noop("Period %(period)s reopened for %(member)s"),
    "refused": gettext_noop("Request to reopen %(period)s for %(member)s refused"),
}


def queue_reopening_notification(*, reopening_id: int, event: str) -> None:
    """Queue the reopening e-mail; like queue_update_notification, a broker that
    is down is logged, because the request or decision is already committed."""
    from reporting.tasks import notify_reopening

    try:
        notify_reopening.delay(reopening_id, event)
    except Exception:  # noqa: BLE001 - kombu raises many kinds of connection errors
        logger.exception("Could not queue the %s notification for reopening %s", event, reopening_id)


def send_reopening_notification(*, reopening_id: int, event: str) -> int:
    """A request goes to the secretariat; a decision goes to the member's focal points."""

    from metroplan.permissions import secretariat_users
    from reporting.models import PeriodReopening

    reopening = PeriodReopening.objects.select_related("member", "period").filter(pk=reopening_id).first()
    if reopening is None or event not in REOPENING_SUBJECTS:
        return 0
    if event == "requested":
        recipients = list(
            secretariat_users().exclude(email="").values_list("email", flat=True)
        )
    else:
        recipients = [
            fp.user.email for fp in reopening.member.focal_points.select_related("user") if fp.user.email
        ]
    if not recipients:
        return 0
    names = {"period": reopening.period.code, "member": reopening.member.name}
    subject = _(REOPENING_SUBJECTS[event]) % names
    if event == "requested":
        body = _("%(member)s asks to report late in %(period)s. Reason:") % names + "\n" + reopening.reason
    elif event == "granted":
        body = _("%(member)s may submit updates for %(period)s until %(until)s.") % {
            **names, "until": reopening.until
        }
    else:
        body = _("The secretariat did not reopen %(period)s for %(member)s.") % names
    return send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
