"""Reminders to focal points: updates due soon and updates overdue.

Once per (member, period, kind of reminder): a ReminderSent row is written in
the same transaction as the e-mail is sent, and its unique constraint makes a
second run (or two runs at once) skip what was already sent.
"""

import logging
from collections import defaultdict
from datetime import date, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from actions.languages import LANGUAGE_CODES
from actions.models import Plan
from members.languages import group_by_language
from members.models import FocalPoint
from members.zones import deadline_text
from metroplan.metrics import REMINDERS_SENT
from reporting.figures import Outcome, expected_slots
from reporting.models import ReminderSent, ReportingPeriod

logger = logging.getLogger(__name__)

DUE_SOON_DAYS = getattr(settings, "REMINDERS_DUE_SOON_DAYS", 7)
OVERDUE_WINDOW_DAYS = getattr(settings, "REMINDERS_OVERDUE_WINDOW_DAYS", 30)


def _periods(today: date):
    """(period, kind, outcome of the slots to remind about), for open periods of
    active or current plans whose deadline is close or recently passed."""
    periods = ReportingPeriod.objects.filter(
        Q(plan__is_current=True) | Q(plan__status=Plan.Status.ACTIVE), is_open=True
    ).select_related("plan").order_by("deadline")
    for period in periods.filter(deadline__gte=today, deadline__lte=today + timedelta(days=DUE_SOON_DAYS)):
        yield period, ReminderSent.Kind.DUE_SOON, Outcome.DUE
    for period in periods.filter(deadline__lt=today, deadline__gte=today - timedelta(days=OVERDUE_WINDOW_DAYS)):
        yield period, ReminderSent.Kind.OVERDUE, Outcome.MISSING


def _title(titles: dict[str, str | None]) -> str:
    """An action's title in the active language, else in English, else in any
    language it was written in."""
    order = [translation.get_language(), settings.LANGUAGE_CODE, *LANGUAGE_CODES]
    return next((titles[code] for code in order if titles.get(code)), "")


def _message(kind: str, period: ReportingPeriod, member_name: str, zone: str,
             actions: list[tuple[str, dict[str, str]]]) -> tuple[str, str]:
    """The reminder in the active language (call it under translation.override)."""
    listing = "\n".join(f"- {code} {_title(titles)}" for code, titles in actions)
    link = f"{getattr(settings, 'SITE_URL', '').rstrip('/')}/updates/"
    values = {"period": period.code, "deadline": deadline_text(period.deadline, zone), "member": member_name}
    if kind == ReminderSent.Kind.DUE_SOON:
        subject = _("Reminder: %(member)s's updates for %(period)s are due by %(deadline)s") % values
        intro = _("The following progress updates of %(member)s for %(period)s are due by %(deadline)s "
                  "and have not been submitted yet:") % values
    else:
        subject = _("Overdue: %(member)s's updates for %(period)s (deadline %(deadline)s)") % values
        intro = _("The deadline for %(period)s was %(deadline)s; these progress updates of %(member)s have "
                  "not been submitted:") % values
    return subject, f"{intro}\n\n{listing}\n\n{_('Submit them at')} {link}\n"


def reminders_send(*, today: date | None = None) -> int:
    """Send the due-soon and overdue reminders of `today`; returns how many
    e-mails went out. Members without a focal point with an e-mail address are
    skipped (and reminded on a later run if one is added before the window ends)."""
    today = today or timezone.localdate()
    sent = 0
    for period, kind, outcome in _periods(today):
        pending: dict[int, list[tuple[str, dict[str, str]]]] = defaultdict(list)
        names: dict[int, str] = {}
        zones: dict[int, str] = {}
        rows = (
            expected_slots([period], today=today)
            .filter(outcome=outcome)
            .order_by("member__name", "action__code")
            .values_list("member_id", "member__name", "member__time_zone", "action__code",
                         *(f"action__title_{code}" for code in LANGUAGE_CODES))
        )
        for member_id, member_name, zone, code, *titles in rows:
            pending[member_id].append((code, dict(zip(LANGUAGE_CODES, titles, strict=True))))
            names[member_id] = member_name
            zones[member_id] = zone
        already = set(
            ReminderSent.objects.filter(period=period, kind=kind, member_id__in=pending).values_list(
                "member_id", flat=True
            )
        )
        addresses: dict[int, list[tuple[str, str]]] = defaultdict(list)
        for member_id, email, language in (
            FocalPoint.objects.filter(member_id__in=set(pending) - already, user__is_active=True)
            .exclude(user__email="")
            .order_by("user__email")
            .values_list("member_id", "user__email", "user__profile__language")
        ):
            addresses[member_id].append((email, language))
        for member_id, people in addresses.items():
            try:
                with transaction.atomic():
                    ReminderSent.objects.create(
                        member_id=member_id, period=period, kind=kind,
                        recipients=", ".join(email for email, _language in people),
                        actions=", ".join(code for code, _titles in pending[member_id]),
                    )
                    # One e-mail per language, each focal point reading theirs.
                    groups = group_by_language(people)
                    for language, recipients in groups.items():
                        with translation.override(language):
                            subject, body = _message(kind, period, names[member_id], zones[member_id],
                                                     pending[member_id])
                        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
            except IntegrityError:
                continue  # another run sent it a moment ago
            REMINDERS_SENT.labels(kind).inc()
            sent += len(groups)
    if sent:
        logger.info("Sent %s reminders", sent)
    return sent
