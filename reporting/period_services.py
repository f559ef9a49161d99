"""Every write to a plan's reporting periods: create one, change its code,
dates, deadline or open/closed state.

Keyword-only, checked with `can_edit_plan` (periods are part of the plan the
secretariat edits), in a transaction, with messages per field
(`ValidationError`) and a version check (`ConflictError`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

from django.db import transaction
from django.utils.translation import gettext as _

from actions.models import Plan
from actions.services.common import clean_code, require_editor
from metroplan.services import ValidationError, check_version
from reporting.models import ReportingPeriod

PERIOD_FIELDS = {"code", "start", "end", "deadline", "is_open"}
DEFAULT_DEADLINE_DAYS = 30


def _validate_period(period: ReportingPeriod) -> None:
    errors: dict[str, list] = {}
    period.code = clean_code(period.code)
    if not period.code:
        errors["code"] = [_("A period needs a code, for example 2024-Q1.")]
    elif ReportingPeriod.objects.filter(plan=period.plan, code=period.code).exclude(pk=period.pk).exists():
        errors["code"] = [_("Period %(code)s already exists in this plan.") % {"code": period.code}]
    for name in ("start", "end", "deadline"):
        if not getattr(period, name):
            errors[name] = [_("Give a date.")]
    if period.start and period.end and period.end < period.start:
        errors["end"] = [_("The end date is before the start date.")]
    if period.end and period.deadline and period.deadline < period.end:
        errors["deadline"] = [_("The deadline is before the end of the period.")]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def period_create(*, user, plan: Plan, data: Mapping) -> ReportingPeriod:
    """A new reporting period of `plan`; the deadline defaults to 30 days after its end."""
    require_editor(user)
    period = ReportingPeriod(plan=plan)
    for name, value in data.items():
        if name not in PERIOD_FIELDS:
            raise ValueError(name)
        setattr(period, name, value)
    if not period.deadline and period.end:
        period.deadline = period.end + timedelta(days=DEFAULT_DEADLINE_DAYS)
    _validate_period(period)
    period.save()
    return period


@transaction.atomic
def period_update(
    *, user, period: ReportingPeriod, data: Mapping, expected_version: int | None = None
) -> ReportingPeriod:
    """Change a period's code, dates, deadline or open/closed state.

    Refused with ConflictError if the period moved past `expected_version`;
    a change bumps the period's `version`."""
    require_editor(user)
    period = ReportingPeriod.objects.select_for_update().get(pk=period.pk)
    check_version(period, expected_version)
    changed = False
    for name, value in data.items():
        if name not in PERIOD_FIELDS:
            raise ValueError(name)
        if getattr(period, name) != value:
            setattr(period, name, value)
            changed = True
    _validate_period(period)
    if changed:
        period.version = (period.version or 0) + 1
        period.save()
    return period
