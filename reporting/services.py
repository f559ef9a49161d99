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

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from pathlib import PurePath

from django.conf import settings
from django.db import models, transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from actions.disaggregation import PART_NAMES, parts_refusals
from actions.models import Action
from metroplan import changes
from metroplan.numbers import parse_decimal_input
from metroplan.permissions import (
    can_decide_reopening,
    can_review,
    reopening_request_refusal,
    require,
    update_edit_refusal,
    update_review_refusal,
    update_submit_refusal,
    update_write_refusal,
)
from metroplan.services import PermissionDenied, ServiceError, ValidationError, check_version
from reporting.models import Evidence, IndicatorValue, PeriodReopening, ProgressUpdate


@dataclass(frozen=True)
class IndicatorEntry:
    """What a user gave for one indicator: a number, or not available with a
    reason; with the number, its parts where the indicator asks for them
    ({"women": Decimal, …}, actions/disaggregation.py; parts left out are empty)."""

    value: Decimal | None = None
    not_available: bool = False
    reason: str = ""
    numerator: Decimal | None = None  # a ratio indicator's parts; `value` is their quotient
    denominator: Decimal | None = None
    parts: dict = field(default_factory=dict, compare=False, hash=False)


def parse_part(raw_value, *, language: str | None) -> Decimal | None:
    """A part of a disaggregated value as typed (empty: None), read like a
    value; a ValidationError says what is wrong with it."""
    if raw_value is None or (isinstance(raw_value, str) and not raw_value.strip()):
        return None
    column = IndicatorValue._meta.get_field("value")
    return parse_decimal_input(
        raw_value, language=language, decimal_places=column.decimal_places, max_digits=column.max_digits
    )


def parse_indicator_entry(
    raw_value, not_available: bool = False, reason: str = "", *, language: str | None, indicator=None,
    numerator=None, denominator=None, parts: dict | None = None,
) -> IndicatorEntry:
    """Turn user input into an IndicatorEntry or raise ValidationError (never
    free text in a number's place). Text is read in `language` (the page's or
    the upload's; None for the API's point-only format) by
    metroplan.numbers.parse_decimal_input: nothing is guessed or rounded.
    `parts` are already parsed (`parse_part`); they go with a number only.

    With `indicator`, the value is checked against its measure
    (Indicator.clean_value, the one check): the error's dict names the field
    ("value", "numerator" or "denominator")."""
    if not_available:
        if not (reason or "").strip():
            raise ValidationError(_("Say why the value is not available."))
        limit = IndicatorValue._meta.get_field("not_available_reason").max_length
        if len(reason.strip()) > limit:
            raise ValidationError(_("Say why in %(limit)s characters at most; this has %(count)s.")
                                  % {"limit": limit, "count": len(reason.strip())})
        return IndicatorEntry(not_available=True, reason=reason.strip())
    given_parts = {k: v for k, v in (parts or {}).items() if v is not None}
    if indicator is not None and not (
        given_parts and raw_value in (None, "") and numerator in (None, "") and denominator in (None, "")
    ):
        value, top, bottom = indicator.clean_value(raw_value, numerator=numerator, denominator=denominator,
                                                   language=language)
        return IndicatorEntry(value=value, numerator=top, denominator=bottom, parts=given_parts)
    if raw_value is None or (isinstance(raw_value, str) and not raw_value.strip()):
        if any(v is not None for v in (parts or {}).values()):
            return IndicatorEntry(parts={k: v for k, v in parts.items() if v is not None})  # refused on save
        return IndicatorEntry()
    column = IndicatorValue._meta.get_field("value")
    value = parse_decimal_input(
        raw_value, language=language, decimal_places=column.decimal_places, max_digits=column.max_digits
    )
    return IndicatorEntry(value=value, parts={k: v for k, v in (parts or {}).items() if v is not None})


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
    require(update_write_refusal(user, member))


def _require_editable(user, update: ProgressUpdate) -> None:
    require(update_edit_refusal(user, update))


def _write_values(update: ProgressUpdate, values: dict[int, IndicatorEntry], user=None) -> None:
    indicators = {indicator.pk: indicator for indicator in update.action.indicators.filter(retired=False)}
    errors = {}
    for indicator_id in values:
        if indicator_id not in indicators:
            errors[f"indicator_{indicator_id}"] = [_("This indicator does not belong to action %(code)s.") % {
                "code": update.action.code
            }]
    if errors:
        raise ValidationError(errors)
    # Every entry is checked before anything is written: a refused value or part leaves the update as it was.
    for indicator_id, entry in values.items():
        for part, why in parts_refusals(indicators[indicator_id], entry.value, entry.parts).items():
            errors[f"indicator_{indicator_id}_{part}"] = [why]
        if entry.not_available or (entry.value is None and entry.numerator is None):
            continue
        # The one check of a value against its indicator's measure, whichever way the value came.
        try:
            indicators[indicator_id].clean_value(
                entry.value if entry.numerator is None else None,
                numerator=entry.numerator, denominator=entry.denominator, language=None,
            )
        except ValidationError as exc:
            code = indicators[indicator_id].code
            for field_name, messages in exc.message_dict.items():
                errors[f"indicator_{indicator_id}_{field_name}"] = [f"{code}: {message}" for message in messages]
    if errors:
        raise ValidationError(errors)
    existing = {value.indicator_id: value for value in IndicatorValue.objects.filter(update=update)}
    for indicator_id, entry in values.items():
        row = existing.get(indicator_id)
        if entry.value is None and not entry.not_available:
            if row is not None:
                row._history_user = user
                row.delete()
            continue
        row = row or IndicatorValue(update=update, indicator_id=indicator_id)
        if entry.numerator is not None and not entry.not_available:
            value, numerator, denominator = indicators[indicator_id].clean_value(
                None, numerator=entry.numerator, denominator=entry.denominator, language=None)
        else:
            value, numerator, denominator = entry.value, None, None
        parts = tuple(entry.parts.get(name) if value is not None else None for name in PART_NAMES)
        new = (value, numerator, denominator, entry.not_available, entry.reason if entry.not_available else "",
               *parts)
        if row.pk and (row.value, row.numerator, row.denominator, row.not_available, row.not_available_reason,
                       *row.parts.values()) == new:
            continue  # unchanged: no new version in the history
        row.value, row.numerator, row.denominator, row.not_available, row.not_available_reason = new[:5]
        for name, part in zip(PART_NAMES, parts, strict=True):
            setattr(row, name, part)
        row._history_user = user
        row.save()


def update_prefill(*, member, action, period) -> dict:
    """What a new update starts from: the member's previous update on the action.
    A demo update is never a starting point: its narrative and figures are made up."""
    previous = (
        ProgressUpdate.objects.filter(member=member, action=action, period__start__lt=period.start, is_demo=False)
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
            v.indicator_id: IndicatorEntry(
                v.value, v.not_available, v.not_available_reason, v.numerator, v.denominator,
                parts={k: p for k, p in v.parts.items() if p is not None},
            )
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
    # Its own row only (the updates' default ordering would join, and lock, the
    # period, the member and the action: a deadlock with the change feed's lock).
    update = (
        ProgressUpdate.objects.select_for_update(of=("self",))
        .filter(member=member, action=action, period=period)
        .order_by("pk")
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
    update._history_user = user
    update.save()
    if values:
        _write_values(update, values, user=user)
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
    require(update_submit_refusal(user, update))
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
    update._history_user = user
    update.save()
    _notify(update, "submitted")
    return update


def _require_reviewable(user, update: ProgressUpdate, expected_version: int | None) -> None:
    require(update_review_refusal(user, update))
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
    update._history_user = user
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
    update._history_user = user
    update.save()
    _notify(update, "returned")
    return update


@dataclass
class BulkApproveResult:
    """Which updates a bulk approval approved, and which it left, with why."""

    approved: list[ProgressUpdate] = field(default_factory=list)
    skipped: list[tuple[int, str]] = field(default_factory=list)


def update_bulk_approve(
    *, user, update_ids: Iterable[int], expected_versions: dict[int, int] | None = None
) -> BulkApproveResult:
    """Approve each of `update_ids` that is still submitted (staff).

    Each approval is its own transaction through update_approve, so one update
    that changed under the reviewer (returned, or edited since the queue was
    shown: a stale `expected_versions` entry) is skipped with its reason and does
    not hold back the others.
    """
    if not can_review(user):
        raise PermissionDenied(_("Only secretariat staff review updates."))
    expected_versions = expected_versions or {}
    result = BulkApproveResult()
    for update in ProgressUpdate.objects.filter(pk__in=list(update_ids)).order_by("submitted_at", "pk"):
        try:
            result.approved.append(
                update_approve(user=user, update=update, expected_version=expected_versions.get(update.pk))
            )
        except ServiceError as exc:
            result.skipped.append((update.pk, exc.message))
    return result


@transaction.atomic
def update_submit_no_change(
    *, user, member, action, period, expected_version: int | None = None
) -> ProgressUpdate:
    """"No change since last period": copy the member's previous update on the
    action (narrative, status, indicator values) into this period's update,
    mark it `no_change`, and submit it — a fresh submission with its own time."""
    _require_writer(user, member)
    prefill = update_prefill(member=member, action=action, period=period)
    if prefill["previous"] is None:
        raise ServiceError(
            _("There is no earlier update on action %(code)s to carry over; fill in the form instead.")
            % {"code": action.code},
            code="no_previous",
        )
    current_ids = set(action.indicators.filter(retired=False).values_list("pk", flat=True))
    values = {pk: entry for pk, entry in prefill["values"].items() if pk in current_ids}
    update = update_save(
        user=user, member=member, action=action, period=period, narrative=prefill["narrative"],
        status=prefill["status"], values=values, expected_version=expected_version, no_change=True,
    )
    return update_submit(user=user, update=update, expected_version=update.version)


# Evidence ---------------------------------------------------------------------


def evidence_check_file(uploaded) -> None:
    """Refuse a file over EVIDENCE_MAX_BYTES or whose extension is not in
    EVIDENCE_ALLOWED_EXTENSIONS (ValidationError on the "file" field)."""
    allowed = [ext.lower() for ext in settings.EVIDENCE_ALLOWED_EXTENSIONS]
    extension = PurePath(uploaded.name or "").suffix.lower().lstrip(".")
    if extension not in allowed:
        raise ValidationError({"file": [
            _("Files of type “%(ext)s” are not accepted. Allowed: %(allowed)s.")
            % {"ext": extension or _("none"), "allowed": ", ".join(allowed)}
        ]})
    if uploaded.size > settings.EVIDENCE_MAX_BYTES:
        raise ValidationError({"file": [
            _("This file is %(size)s; the limit is %(limit)s.")
            % {"size": filesizeformat(uploaded.size), "limit": filesizeformat(settings.EVIDENCE_MAX_BYTES)}
        ]})


@transaction.atomic
def evidence_add(
    *, user, update: ProgressUpdate, file=None, url: str = "", title: str = "", expected_version: int | None = None
) -> Evidence:
    """Attach a file or a link (exactly one) to an update its writer may edit.
    A link is a https:// address. The file is stored under a random name in the
    private storage; its own name is kept for downloads. With
    `expected_version`, a stale update is a ConflictError. The update's version
    goes up by one (also on the caller's instance)."""
    caller_update = update
    update = ProgressUpdate.objects.select_for_update().get(pk=update.pk)
    _require_editable(user, update)
    check_version(update, expected_version)
    url = (url or "").strip()
    if bool(file) == bool(url):
        raise ValidationError({"file": [_("Give either a file or a link.")]})
    if file:
        evidence_check_file(file)
    else:
        from django.core.validators import URLValidator

        try:
            URLValidator(schemes=["https"])(url)
        except ValidationError as exc:
            raise ValidationError({"url": [_("Enter a full web address starting with https://.")]}) from exc
    evidence = Evidence(update=update, title=(title or "").strip()[:200], url=url, added_by=user)
    evidence._history_user = user
    if file:
        original = PurePath(file.name).name
        evidence.file_name = original[-255:]
        evidence.file.save(original, file, save=False)
    evidence.save()
    caller_update.version = _touch(update)
    return evidence


def _touch(update: ProgressUpdate) -> int:
    """Evidence is part of the update: a change to it is a new version (so an
    API client's ETag goes stale and a form opened before it is refused).
    Returns the new version."""
    ProgressUpdate.objects.filter(pk=update.pk).update(version=models.F("version") + 1, modified=timezone.now())
    fresh = ProgressUpdate.objects.select_related("member", "action", "period__plan").get(pk=update.pk)
    changes.record_saved(fresh, changed_fields=["evidence", "version"])  # a queryset update sends no signal
    return fresh.version


@transaction.atomic
def evidence_remove(*, user, evidence: Evidence, expected_version: int | None = None) -> None:
    """Remove a file or link from an update its writer may edit. With
    `expected_version`, a stale update is a ConflictError."""
    update = ProgressUpdate.objects.select_for_update().get(pk=evidence.update_id)
    _require_editable(user, update)
    check_version(update, expected_version)
    stored = evidence.file.name
    storage = evidence.file.storage
    evidence._history_user = user
    evidence.delete()
    _touch(update)
    if stored:
        transaction.on_commit(lambda: storage.delete(stored))


# Reopening a closed period ----------------------------------------------------------------


@transaction.atomic
def reopening_request(*, user, member, period, reason: str) -> PeriodReopening:
    """A focal point asks to report late in a closed period."""
    require(reopening_request_refusal(user, member))
    if not (reason or "").strip():
        raise ValidationError({"reason": [_("Say why you need to report late.")]})
    if period_lock_reason(period=period, member=member) is None:
        raise ServiceError(_("Period %(period)s is open to you: you can submit now.") % {"period": period.code},
                           code="not_locked")
    pending = PeriodReopening.objects.filter(period=period, member=member, state=PeriodReopening.State.REQUESTED)
    if pending.exists():
        raise ServiceError(_("You already asked to reopen %(period)s; the secretariat has not answered yet.")
                           % {"period": period.code}, code="already_requested")
    reopening = PeriodReopening.objects.create(
        period=period, member=member, reason=reason.strip(), requested_by=user
    )
    _notify_reopening(reopening, "requested")
    return reopening


def _require_pending(user, reopening: PeriodReopening) -> PeriodReopening:
    if not can_decide_reopening(user):
        raise PermissionDenied(_("Only secretariat staff answer reopening requests."))
    reopening = PeriodReopening.objects.select_for_update().get(pk=reopening.pk)
    if reopening.state != PeriodReopening.State.REQUESTED:
        raise ServiceError(_("This request was already answered (%(state)s).")
                           % {"state": reopening.get_state_display().lower()}, code="invalid_transition")
    return reopening


@transaction.atomic
def reopening_grant(*, user, reopening: PeriodReopening, days: int, today=None) -> PeriodReopening:
    """Staff let the member submit in the closed period for `days` days."""
    reopening = _require_pending(user, reopening)
    try:
        days = int(days)
    except (TypeError, ValueError):
        days = 0
    if not 1 <= days <= 365:
        raise ValidationError({"days": [_("Grant between 1 and 365 days.")]})
    today = today or timezone.localdate()
    reopening.state = PeriodReopening.State.GRANTED
    reopening.until = today + timedelta(days=days)
    reopening.decided_by = user
    reopening.decided_at = timezone.now()
    reopening.save()
    _notify_reopening(reopening, "granted")
    return reopening


@transaction.atomic
def reopening_refuse(*, user, reopening: PeriodReopening) -> PeriodReopening:
    """Staff say no to a reopening request."""
    reopening = _require_pending(user, reopening)
    reopening.state = PeriodReopening.State.REFUSED
    reopening.decided_by = user
    reopening.decided_at = timezone.now()
    reopening.save()
    _notify_reopening(reopening, "refused")
    return reopening


def _notify_reopening(reopening: PeriodReopening, event: str) -> None:
    from reporting.notifications import queue_reopening_notification

    queue_reopening_notification(reopening_id=reopening.pk, event=event)


def _notify(update: ProgressUpdate, event: str) -> None:
    """Write the e-mail to the member's focal points to the outbox, in the
    transaction of the transition: both are kept, or neither. It reaches the
    broker after commit, or once the broker is back if it is down.
    """
    from reporting.notifications import queue_update_notification

    queue_update_notification(update_id=update.pk, event=event)
