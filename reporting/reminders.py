"""Reminders people can rely on: focal points are reminded of their updates by
the schedule staff set, and staff get a weekly digest.

The schedule (ReminderSchedule, one row) has steps counted in days from a
period's deadline: each of `days_before` before it (default 14 and 3), the
deadline day (0), then every `overdue_every_days` after it (default 7, 14, …)
while an update is missing and its period open. A member is reminded at a step
when, that day, at least one of its expected updates of the period is not
submitted; submitting them, or closing the period, stops the reminders.

Once per member, period and step: the daily job (`reminders_plan`, beat)
claims a ReminderSent row, whose unique constraint the database holds, in the
same transaction as it writes the e-mail to the outbox. The e-mail is rendered
when the outbox's task runs (`reminder_send`), in each recipient's language,
listing the actions still missing then, each with the link to its update form.
A job that did not run for some days sends only the latest step reached, once.
The digest is the same, once per secretariat member and week (`DigestSent`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from actions.languages import LANGUAGE_CODES
from actions.models import Plan
from members.languages import emails_by_language, group_by_language
from members.models import FocalPoint
from members.zones import deadline_text
from metroplan.links import absolute_url
from metroplan.metrics import REMINDERS_SENT
from metroplan.outbox import outbox_enqueue
from metroplan.permissions import can_manage_reminders, secretariat_users
from metroplan.services import PermissionDenied, ValidationError
from reporting.figures import Outcome, expected_slots
from reporting.models import DigestSent, ReminderSchedule, ReminderSent, ReportingPeriod
from reporting.selectors_home import staff_home

logger = logging.getLogger(__name__)

NOT_SUBMITTED = (Outcome.DUE, Outcome.MISSING)
DAYS_BEFORE_MAX = 90
OVERDUE_EVERY_MAX = 90


# --- the schedule -----------------------------------------------------------------------------


def reminder_schedule() -> ReminderSchedule:
    """The site's schedule: the one staff saved, else the defaults (not stored
    until staff save it)."""
    return ReminderSchedule.objects.order_by("pk").first() or ReminderSchedule()


def step_reached(schedule: ReminderSchedule, deadline: date, today: date) -> int | None:
    """The latest step of the schedule reached on `today` for a period with
    this deadline, in days from the deadline; None before the first step."""
    since = (today - deadline).days
    every = schedule.overdue_every_days
    if since > 0 and every and since >= every:
        return since // every * every
    steps = [-days for days in schedule.days_before] + ([0] if schedule.on_deadline_day else [])
    reached = [step for step in steps if step <= since]
    return max(reached) if reached else None


def schedule_dates(schedule: ReminderSchedule, deadline: date, *, overdue_steps: int = 3) -> list[date]:
    """The days reminders go out for a deadline, for a preview: the steps
    before and on it, then the first `overdue_steps` while overdue."""
    steps = sorted({-days for days in schedule.days_before} | ({0} if schedule.on_deadline_day else set()))
    if schedule.overdue_every_days:
        steps += [schedule.overdue_every_days * k for k in range(1, overdue_steps + 1)]
    return [deadline + timedelta(days=step) for step in steps]


def _parse_days(raw) -> list[int]:
    """ "14, 3" (or a list) → [14, 3]; a ValidationError naming the field otherwise."""
    parts = raw if isinstance(raw, list | tuple) else [p for p in str(raw or "").replace(";", ",").split(",")]
    days = []
    for part in parts:
        text = str(part).strip()
        if not text:
            continue
        if not text.isdigit() or not 1 <= int(text) <= DAYS_BEFORE_MAX:
            raise ValidationError({"days_before": [
                _("Give whole numbers of days between 1 and %(max)d, separated by commas (for example 14, 3); "
                  "“%(value)s” is not one.") % {"max": DAYS_BEFORE_MAX, "value": text}
            ]})
        days.append(int(text))
    return sorted(set(days), reverse=True)


@transaction.atomic
def reminder_schedule_update(*, user, days_before, on_deadline_day: bool, overdue_every_days: int,
                             digest_enabled: bool, digest_weekday: int) -> ReminderSchedule:
    """Change the schedule (staff). Steps already sent stay sent: a member is
    never reminded twice of the same step, whatever the schedule becomes."""
    if not can_manage_reminders(user):
        raise PermissionDenied(_("Only secretariat staff set the reminder schedule."))
    errors = {}
    try:
        days = _parse_days(days_before)
    except ValidationError as exc:
        errors.update(exc.message_dict)
        days = []
    if overdue_every_days is None or not 0 <= int(overdue_every_days) <= OVERDUE_EVERY_MAX:
        errors["overdue_every_days"] = [_("Between 0 (never) and %(max)d days.") % {"max": OVERDUE_EVERY_MAX}]
    if digest_weekday is None or not 0 <= int(digest_weekday) <= 6:
        errors["digest_weekday"] = [_("Choose a day of the week.")]
    if errors:
        raise ValidationError(errors)
    schedule = ReminderSchedule.objects.select_for_update().order_by("pk").first() or ReminderSchedule()
    schedule.days_before = days
    schedule.on_deadline_day = bool(on_deadline_day)
    schedule.overdue_every_days = int(overdue_every_days)
    schedule.digest_enabled = bool(digest_enabled)
    schedule.digest_weekday = int(digest_weekday)
    schedule.updated_by = user
    schedule.save()
    return schedule


# --- the daily job: what is due today ---------------------------------------------------------


def _open_periods():
    return (
        ReportingPeriod.objects.filter(Q(plan__is_current=True) | Q(plan__status=Plan.Status.ACTIVE), is_open=True)
        .select_related("plan")
        .order_by("deadline", "pk")
    )


def _members_not_submitted(period, today: date) -> set[int]:
    """Members with at least one expected update of `period` not submitted."""
    return set(
        expected_slots([period], today=today).filter(outcome__in=NOT_SUBMITTED)
        .order_by().values_list("member_id", flat=True).distinct()
    )


def _reachable(member_ids) -> set[int]:
    """Those of `member_ids` with an active focal point who has an e-mail address."""
    return set(
        FocalPoint.objects.filter(member_id__in=member_ids, user__is_active=True).exclude(user__email="")
        .values_list("member_id", flat=True)
    )


@dataclass
class PlanResult:
    reminders: int = 0
    digests: int = 0


def reminders_plan(*, today: date | None = None) -> PlanResult:
    """Queue the reminders and digests due `today` (the daily beat job).

    Members without a focal point with an e-mail address are left unclaimed,
    so that they are reminded at a later run once one is added."""
    today = today or timezone.localdate()
    schedule = reminder_schedule()
    result = PlanResult()
    for period in _open_periods():
        step = step_reached(schedule, period.deadline, today)
        if step is None:
            continue
        pending = _members_not_submitted(period, today)
        # A member reminded at this step or a later one (the schedule changed since) is not reminded again.
        done = set(
            ReminderSent.objects.filter(period=period, member_id__in=pending, step__gte=step)
            .values_list("member_id", flat=True)
        )
        for member_id in sorted(_reachable(pending - done)):
            try:
                with transaction.atomic():
                    reminder = ReminderSent.objects.create(member_id=member_id, period=period, step=step,
                                                          queued_at=timezone.now())
                    outbox_enqueue("reporting.tasks.send_reminder", reminder_id=reminder.pk)
            except IntegrityError:
                continue  # another run claimed it a moment ago
            result.reminders += 1
    result.digests = _digests_plan(schedule, today)
    if result.reminders or result.digests:
        logger.info("Queued %s reminders and %s digests", result.reminders, result.digests)
    return result


def _digests_plan(schedule: ReminderSchedule, today: date) -> int:
    """One digest per secretariat member and week, from the schedule's weekday on."""
    if not schedule.digest_enabled or today.weekday() < schedule.digest_weekday:
        return 0
    week = today - timedelta(days=today.weekday())
    already = set(DigestSent.objects.filter(week=week).values_list("user_id", flat=True))
    queued = 0
    for user_id in secretariat_users().exclude(email="").exclude(pk__in=already).order_by("pk").values_list(
        "pk", flat=True
    ):
        try:
            with transaction.atomic():
                digest = DigestSent.objects.create(user_id=user_id, week=week, queued_at=timezone.now())
                outbox_enqueue("reporting.tasks.send_digest", digest_id=digest.pk)
        except IntegrityError:
            continue
        queued += 1
    return queued


# --- sending: rendered at send time in each recipient's language --------------------------------


def _title(titles: dict[str, str | None]) -> str:
    """An action's title in the active language, else in English, else in any
    language it was written in."""
    order = [translation.get_language(), settings.LANGUAGE_CODE, *LANGUAGE_CODES]
    return next((titles[code] for code in order if titles.get(code)), "")


def _reminder_message(period: ReportingPeriod, member, actions: list[tuple[str, dict]], today: date) -> tuple[str, str]:
    """The reminder in the active language: subject and body, with a link to
    each action's update form and to the member's list of updates."""
    since = (today - period.deadline).days
    values = {"period": period.code, "deadline": deadline_text(period.deadline, member.time_zone),
              "member": member.name}
    if since < 0:
        subject = _("Reminder: %(member)s's updates for %(period)s are due by %(deadline)s") % values
        intro = _("The following progress updates of %(member)s for %(period)s are due by %(deadline)s "
                  "and have not been submitted yet:") % values
    elif since == 0:
        subject = _("Due today: %(member)s's updates for %(period)s (deadline %(deadline)s)") % values
        intro = _("Today is the deadline for %(period)s (%(deadline)s); these progress updates of %(member)s "
                  "have not been submitted yet:") % values
    else:
        subject = _("Overdue: %(member)s's updates for %(period)s (deadline %(deadline)s)") % values
        intro = _("The deadline for %(period)s was %(deadline)s; these progress updates of %(member)s have "
                  "not been submitted:") % values
    lines = [intro, ""]
    for code, titles in actions:
        lines.append(f"- {code} {_title(titles)}")
        lines.append("  " + absolute_url(reverse("update-edit", args=[member.slug, period.code, code])))
    lines += [
        "",
        _("All your city's updates: %(link)s") % {"link": absolute_url(reverse("updates"))},
        "",
        _("You receive this as a focal point of %(member)s. The reminders stop once these updates are "
          "submitted.") % values,
    ]
    return subject, "\n".join(lines) + "\n"


def reminder_send(*, reminder_id: int) -> int:
    """Send one queued reminder (the outbox's task); returns the number of
    e-mails sent (one per language). Nothing is sent if, by now, every update
    is submitted or the period closed: the row says so."""
    reminder = (
        ReminderSent.objects.select_related("member", "period").filter(pk=reminder_id, state=ReminderSent.State.QUEUED)
        .first()
    )
    if reminder is None:
        return 0
    member, period = reminder.member, reminder.period
    today = timezone.localdate()
    actions = [
        (code, dict(zip(LANGUAGE_CODES, titles, strict=True)))
        for code, *titles in expected_slots([period], today=today)
        .filter(member=member, outcome__in=NOT_SUBMITTED)
        .order_by("action__goal__order", "action__order", "action__code")
        .values_list("action__code", *(f"action__title_{code}" for code in LANGUAGE_CODES))
    ]
    people = list(
        FocalPoint.objects.filter(member=member, user__is_active=True).exclude(user__email="")
        .order_by("user__email").values_list("user__email", "user__profile__language")
    )
    note = ""
    if not ReportingPeriod.objects.filter(pk=period.pk, is_open=True).exists():
        note = _("The period closed before the reminder went out.")
    elif not actions:
        note = _("Every update was submitted before the reminder went out.")
    elif not people:
        note = _("No active focal point with an e-mail address.")
    if note:
        ReminderSent.objects.filter(pk=reminder.pk, state=ReminderSent.State.QUEUED).update(
            state=ReminderSent.State.SKIPPED, note=note[:200]
        )
        return 0
    messages = []
    for language, recipients in group_by_language(people).items():
        with translation.override(language):
            subject, body = _reminder_message(period, member, actions, today)
        messages.append(EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, recipients))
    sent = get_connection().send_messages(messages) or 0
    ReminderSent.objects.filter(pk=reminder.pk, state=ReminderSent.State.QUEUED).update(
        state=ReminderSent.State.SENT, sent_at=timezone.now(),
        recipients=", ".join(email for email, _language in people),
        actions=", ".join(code for code, _titles in actions),
    )
    REMINDERS_SENT.labels(reminder_metric_kind(reminder.step)).inc()
    return sent


def _digest_message(home) -> tuple[str, str]:
    """The weekly digest in the active language, from the staff home's read path."""
    waiting = ngettext("%(n)s update waits for review", "%(n)s updates wait for review", home.queue_count) % {
        "n": home.queue_count
    }
    overdue = ngettext("%(n)s member overdue", "%(n)s members overdue", home.overdue_total) % {
        "n": home.overdue_total
    }
    subject = _("Weekly digest: %(waiting)s, %(overdue)s") % {"waiting": waiting, "overdue": overdue}
    lines = [_("Waiting for review") + f": {home.queue_count}"]
    if home.oldest_waiting_since:
        lines.append(_("The oldest was submitted on %(day)s.") % {
            "day": date_format(timezone.localtime(home.oldest_waiting_since).date(), "DATE_FORMAT")
        })
    lines.append(absolute_url(reverse("update-review-queue")))
    if home.reopenings:
        lines += ["", _("Requests to reopen a closed period") + f": {len(home.reopenings)}",
                  absolute_url(reverse("update-review-queue") + "#reopen-title")]
    lines += ["", _("Members overdue in the open periods") + f": {home.overdue_total}"]
    for row in home.overdue:
        lines.append("- " + _("%(member)s, %(period)s: %(missing)s of %(expected)s missing") % {
            "member": row.member["name"], "period": row.period.code, "missing": row.missing,
            "expected": row.expected,
        })
    if home.overdue_total > len(home.overdue):
        lines.append(_("and %(n)s more") % {"n": home.overdue_total - len(home.overdue)})
    lines += ["", _("Your desk: %(link)s") % {"link": absolute_url(reverse("home"))},
              _("Reminders sent to focal points: %(link)s") % {"link": absolute_url(reverse("reminder-log"))}]
    return subject, "\n".join(lines) + "\n"


def digest_send(*, digest_id: int) -> int:
    """Send one queued digest (the outbox's task), in its reader's language."""
    digest = DigestSent.objects.select_related("user").filter(pk=digest_id, state=DigestSent.State.QUEUED).first()
    if digest is None:
        return 0
    user = digest.user
    groups = emails_by_language(type(user).objects.filter(pk=user.pk, is_active=True))
    if not groups:
        DigestSent.objects.filter(pk=digest.pk, state=DigestSent.State.QUEUED).update(state=DigestSent.State.SKIPPED)
        return 0
    home = staff_home(user)
    sent = 0
    for language, recipients in groups.items():
        with translation.override(language):
            subject, body = _digest_message(home)
        sent += EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, recipients).send()
    DigestSent.objects.filter(pk=digest.pk, state=DigestSent.State.QUEUED).update(
        state=DigestSent.State.SENT, sent_at=timezone.now(), waiting=home.queue_count, overdue=home.overdue_total
    )
    return sent


def reminder_metric_kind(step: int) -> str:
    """The reminder's kind in /metrics: due_soon before the deadline, due_today on it, overdue after it."""
    return "due_soon" if step < 0 else "due_today" if step == 0 else "overdue"


def reminder_step_label(step: int) -> str:
    """A step as people say it: "14 days before", "on the deadline day", "7 days after"."""
    if step < 0:
        return ngettext("%(n)s day before", "%(n)s days before", -step) % {"n": -step}
    if step == 0:
        return _("on the deadline day")
    return ngettext("%(n)s day after", "%(n)s days after", step) % {"n": step}

