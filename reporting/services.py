"""The progress-update workflow: every write to an update goes through here.

The pages, the API, the spreadsheet importer and the demo seed call these
functions, so each rule exists once:

    draft ──submit──▶ submitted ──approve──▶ approved
                          │  ▲
                       return│  │submit
                          ▼  │
                        returned

- Focal points write their own member's updates; staff write any; nobody edits
  an approved update.
- A submission needs a narrative and, for each of the action's indicators, a
  number or "not available" with a reason.
- A closed period takes no new submissions unless staff reopened it for the
  member and the reopening has not run out.
- Every write runs in a transaction, checks the caller's `expected_version`
  and bumps `version`; notifications are queued after commit.
"""

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from actions.models import Action
from metroplan.permissions import can_review, can_write_update_for, is_secretariat
from metroplan.services import PermissionDenied, ServiceError, ValidationError, check_version
from reporting.models import IndicatorValue, PeriodReopening, ProgressUpdate


@dataclass(frozen=True)
class IndicatorEntry:
    """What a user gave for one indicator: a number, or not available with a reason."""

    value: Decimal | None = None
    not_available: bool = False
    reason: str = ""


def parse_indicator_entry(raw_value, not_available: bool = False, reason: str = "") -> IndicatorEntry:
    """Turn user input into an IndicatorEntry or raise ValidationError (never
    free text in a number's place)."""
    if not_available:
        if not (reason or "").strip():
            raise ValidationError(_("Say why the value is not available."))
        return IndicatorEntry(not_available=True, reason=reason.strip())
    if raw_value is None or (isinstance(raw_value, str) and not raw_value.strip()):
        return IndicatorEntry()
    try:
        value = Decimal(str(raw_value).strip().replace(",", ""))
    except InvalidOperation as exc:
        raise ValidationError(_("Enter a number, or mark the value as not available.")) from exc
    if not value.is_finite():
        raise ValidationError(_("Enter a finite number."))
    if abs(value) >= Decimal("1e12"):
        raise ValidationError(_("This number is too large."))
    return IndicatorEntry(value=value.quantize(Decimal("0.01")))


def period_lock_reason(*, period, member, today=None) -> str | None:
    """Why `member` cannot submit in `period` now, or None if it can."""
    today = today or timezone.localdate()
    if period.is_open:
        return None
    reopening = (
        PeriodReopening.objects.filter(period=period, member=member, state=PeriodReopening.State.GRANTED)
        .order_by("-until")
        .first()
    )
    if reopening and reopening.until >= today:
        return None
    if reopening:
        return _("Period %(period)s is closed; the reopening granted until %(until)s has run out.") % {
            "period": period.code, "until": reopening.until,
        }
    return _("Period %(period)s is closed to new submissions. Ask the secretariat to reopen it.") % {
        "period": period.code
    }


def _require_writer(user, member) -> None:
    if not can_write_update_for(user, member):
        # Same message whether or not the member has an update there: nothing leaks.
        raise PermissionDenied(_("You can only report for your own member."))


def _require_editable(user, update: ProgressUpdate) -> None:
    _require_writer(user, update.member)
    if update.state == ProgressUpdate.State.APPROVED:
        raise ServiceError(_("This update is approved and can no longer be changed."), code="approved")
    if update.state == ProgressUpdate.State.SUBMITTED and not is_secretariat(user):
        raise ServiceError(
            _("This update is submitted and waits for review; it can be changed once it is returned."),
            code="submitted",
        )


def _write_values(update: ProgressUpdate, values: dict[int, IndicatorEntry]) -> None:
    indicators = {indicator.pk: indicator for indicator in update.action.indicators.filter(retired=False)}
    errors = {}
    for indicator_id in values:
        if indicator_id not in indicators:
            errors[f"indicator_{indicator_id}"] = [_("This indicator does not belong to action %(code)s.") % {
                "code": update.action.code
            }]
    if errors:
        raise ValidationError(errors)
    for indicator_id, entry in values.items():
        if entry.value is None and not entry.not_available:
            IndicatorValue.objects.filter(update=update, indicator_id=indicator_id).delete()
            continue
        IndicatorValue.objects.update_or_create(
            update=update,
            indicator_id=indicator_id,
            defaults={
                "value": entry.value,
                "not_available": entry.not_available,
                "not_available_reason": entry.reason if entry.not_available else "",
            },
        )


def update_prefill(*, member, action, period) -> dict:
    """What a new update starts from: the member's previous update on the action."""
    previous = (
        ProgressUpdate.objects.filter(member=member, action=action, period__start__lt=period.start)
        .order_by("-period__start")
        .prefetch_related("values")
        .first()
    )
    if previous is None:
        return {"narrative": "", "status": "", "values": {}, "previous": None}
    return {
        "narrative": previous.narrative,
        "status": previous.status,
        "values": {
            v.indicator_id: IndicatorEntry(v.value, v.not_available, v.not_available_reason)
            for v in previous.values.all()
        },
        "previous": previous,
    }


@transaction.atomic
def update_save(
    *,
    user,
    member,
    action,
    period,
    narrative: str,
    status: str = "",
    values: dict[int, IndicatorEntry] | None = None,
    expected_version: int | None = None,
    no_change: bool = False,
    is_demo: bool = False,
) -> ProgressUpdate:
    """Create or change the (member, action, period) update, keeping its state.

    A draft can be saved at any time, even incomplete. `expected_version` is the
    version the caller's form or request was made on; a newer stored version is
    a conflict and nothing is written.
    """
    _require_writer(user, member)
    if not action.participations.filter(member=member).exists():
        raise ServiceError(_("%(member)s does not take part in action %(code)s.") % {
            "member": member, "code": action.code
        }, code="not_participant")
    if action.goal.plan_id != period.plan_id:
        raise ServiceError(_("This period belongs to another plan."), code="wrong_plan")
    update = (
        ProgressUpdate.objects.select_for_update()
        .filter(member=member, action=action, period=period)
        .first()
    )
    if update is None:
        if expected_version not in (None, 0):
            raise ServiceError(_("This update no longer exists."), code="gone")
        update = ProgressUpdate(member=member, action=action, period=period, created_by=user, is_demo=is_demo)
        update.version = 1
    else:
        _require_editable(user, update)
        check_version(update, expected_version)
        update.version += 1
    if status and status not in Action.Status.values:
        raise ValidationError({"status": [_("Unknown status %(status)s.") % {"status": status}]})
    update.narrative = narrative or ""
    update.status = status or ""
    update.no_change = no_change
    update.save()
    if values:
        _write_values(update, values)
    return update


def submission_errors(update: ProgressUpdate) -> dict[str, list[str]]:
    """What is missing before `update` can be submitted (empty when complete)."""
    errors: dict[str, list[str]] = {}
    if not update.narrative.strip():
        errors["narrative"] = [_("Write a narrative before you submit.")]
    if not update.status:
        errors["status"] = [_("Choose the action's status as you see it.")]
    given = set(update.values.values_list("indicator_id", flat=True))
    for indicator in update.action.indicators.filter(retired=False):
        if indicator.pk not in given:
            errors[f"indicator_{indicator.pk}"] = [
                _("Give a value for %(name)s, or mark it as not available with a reason.") % {"name": indicator.name}
            ]
    return errors


@transaction.atomic
def update_submit(*, user, update: ProgressUpdate, expected_version: int | None = None) -> ProgressUpdate:
    """draft or returned → submitted, when complete and the period takes it."""
    update = ProgressUpdate.objects.select_for_update().get(pk=update.pk)
    _require_writer(user, update.member)
    if update.state not in (ProgressUpdate.State.DRAFT, ProgressUpdate.State.RETURNED):
        raise ServiceError(
            _("This update is already %(state)s.") % {"state": update.get_state_display().lower()},
            code="invalid_transition",
        )
    check_version(update, expected_version)
    lock = period_lock_reason(period=update.period, member=update.member)
    if lock:
        raise ServiceError(lock, code="period_closed")
    errors = submission_errors(update)
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    update.state = ProgressUpdate.State.SUBMITTED
    update.submitted_at = now
    update.submitted_by = user
    update.first_submitted_at = update.first_submitted_at or now
    update.version += 1
    update.save()
    _notify(update, "submitted")
    return update


def _require_reviewable(user, update: ProgressUpdate, expected_version: int | None) -> None:
    if not can_review(user):
        raise PermissionDenied(_("Only secretariat staff review updates."))
    if update.state != ProgressUpdate.State.SUBMITTED:
        raise ServiceError(
            _("Only submitted updates can be reviewed; this one is %(state)s.")
            % {"state": update.get_state_display().lower()},
            code="invalid_transition",
        )
    check_version(update, expected_version)


@transaction.atomic
def update_approve(*, user, update: ProgressUpdate, expected_version: int | None = None) -> ProgressUpdate:
    """submitted → approved (staff)."""
    update = ProgressUpdate.objects.select_for_update().get(pk=update.pk)
    _require_reviewable(user, update, expected_version)
    update.state = ProgressUpdate.State.APPROVED
    update.reviewed_at = timezone.now()
    update.reviewed_by = user
    update.version += 1
    update.save()
    _notify(update, "approved")
    return update


@transaction.atomic
def update_return(
    *, user, update: ProgressUpdate, comment: str, expected_version: int | None = None
) -> ProgressUpdate:
    """submitted → returned with a comment saying what to change (staff)."""
    update = ProgressUpdate.objects.select_for_update().get(pk=update.pk)
    _require_reviewable(user, update, expected_version)
    if not (comment or "").strip():
        raise ValidationError({"comment": [_("Say what should change: a comment is required to return an update.")]})
    update.state = ProgressUpdate.State.RETURNED
    update.reviewer_comment = comment.strip()
    update.reviewed_at = timezone.now()
    update.reviewed_by = user
    update.version += 1
    update.save()
    _notify(update, "returned")
    return update


def _notify(update: ProgressUpdate, event: str) -> None:
    """Queue the e-mail to the member's focal points once the transaction commits.

    A broker that is down loses the e-mail, never the saved transition.
    """
    from reporting.notifications import queue_update_notification

    transaction.on_commit(lambda: queue_update_notification(update_id=update.pk, event=event))
