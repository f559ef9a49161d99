"""Writing indicators and their yearly milestones."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from actions.models import Action, Indicator, Milestone
from actions.services.common import (
    INDICATOR_FIELDS,
    apply_fields,
    clean_code,
    lock,
    move_among,
    next_order,
    raise_if_any,
    require_editor,
    require_english_text,
    save_with_history,
    set_retired,
)
from metroplan.services import check_version


def _validate_indicator(indicator: Indicator, milestones: Mapping[int, Decimal] | None) -> None:
    errors: dict[str, list] = {}
    indicator.code = clean_code(indicator.code)
    if not indicator.code:
        errors["code"] = [_("An indicator needs a code.")]
    elif Indicator.objects.filter(action=indicator.action, code=indicator.code).exclude(pk=indicator.pk).exists():
        errors["code"] = [_("Indicator %(code)s already exists in this action.") % {"code": indicator.code}]
    require_english_text(indicator, "name", errors)
    if not (indicator.unit or "").strip():
        errors["unit"] = [_("Give a unit, for example 'members' or 'km'.")]
    baseline, target = indicator.baseline, indicator.target
    if baseline is None:
        errors["baseline"] = [_("Give a baseline.")]
    if target is None:
        errors["target"] = [_("Give a target.")]
    if baseline is not None and target is not None:
        if target == baseline:
            errors["target"] = [_("The target equals the baseline: there would be nothing to measure.")]
        elif indicator.direction == Indicator.Direction.INCREASE and target < baseline:
            errors["target"] = [_("The indicator should increase, but the target is below the baseline.")]
        elif indicator.direction == Indicator.Direction.DECREASE and target > baseline:
            errors["target"] = [_("The indicator should decrease, but the target is above the baseline.")]
    try:
        indicator.clean()  # the measure's own rules: a threshold for a share, a scale's steps
    except DjangoValidationError as exc:
        for name, messages in exc.message_dict.items():
            errors.setdefault(name, []).extend(messages)
    if milestones is not None:
        action = indicator.action
        first, last = action.start_date.year, action.end_date.year
        for year in sorted(milestones):
            if not first <= year <= last:
                errors.setdefault("milestones", []).append(
                    _("The milestone for %(year)s is outside the action's dates (%(first)s–%(last)s).")
                    % {"year": year, "first": first, "last": last}
                )
    raise_if_any(errors)


def _set_milestones(indicator: Indicator, milestones: Mapping[int, Decimal]) -> bool:
    current = {m.year: m for m in indicator.milestones.all()}
    changed = False
    for year, milestone in current.items():
        if year not in milestones:
            milestone.delete()
            changed = True
    for year, value in milestones.items():
        if year in current:
            if current[year].value != value:
                current[year].value = value
                current[year].save()
                changed = True
        else:
            Milestone.objects.create(indicator=indicator, year=year, value=value)
            changed = True
    return changed


@transaction.atomic
def indicator_create(
    *, user, action: Action, data: Mapping, milestones: Mapping[int, Decimal] | None = None
) -> Indicator:
    """A new indicator of `action`, with yearly milestones inside the action's dates."""
    require_editor(user)
    indicator = Indicator(action=action, version=0)
    apply_fields(indicator, data, INDICATOR_FIELDS)
    if "order" not in data:
        indicator.order = next_order(action.indicators.all())
    _validate_indicator(indicator, milestones)
    save_with_history(indicator, user)
    if milestones:
        _set_milestones(indicator, milestones)
    return indicator


@transaction.atomic
def indicator_update(
    *,
    user,
    indicator: Indicator,
    data: Mapping,
    milestones: Mapping[int, Decimal] | None = None,
    expected_version: int | None = None,
) -> Indicator:
    """Change an indicator (and, if given, replace its milestones)."""
    require_editor(user)
    indicator = lock(Indicator, indicator.pk)
    check_version(indicator, expected_version)
    changed = apply_fields(indicator, data, INDICATOR_FIELDS)
    _validate_indicator(indicator, milestones)
    milestones_changed = _set_milestones(indicator, milestones) if milestones is not None else False
    if changed or milestones_changed:
        save_with_history(indicator, user)
    return indicator


@transaction.atomic
def indicator_retire(
    *, user, indicator: Indicator, retired: bool = True, expected_version: int | None = None
) -> Indicator:
    return set_retired(user, indicator, retired, expected_version)


@transaction.atomic
def indicator_move(*, user, indicator: Indicator, direction: str) -> Indicator:
    require_editor(user)
    return move_among(user, indicator, Indicator.objects.filter(action_id=indicator.action_id), direction)
