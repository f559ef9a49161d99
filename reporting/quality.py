"""Data-quality checks of an update's values, before approval: the one place
where a value is held against what it is likely to be.

For each value of an update:

- **jump**: against the member's previous approved value of the indicator (the
  latest one from an earlier period), a value more than the indicator's
  `jump_factor` times it (default 3×), or less than its inverse, is flagged;
- **target**: a value beyond the indicator's end target by more than the same
  factor (more than 3× an increasing target, under a third of a decreasing
  one) is flagged;
- **range**: a value its measure cannot plausibly take: a percentage under 0
  or over 100, a negative count or amount (`measure_of` says which);
- **parts**: a disaggregated value whose parts are missing or add up to less
  than the total (more than the total is refused when saving, by
  actions.disaggregation.parts_refusals).

A flag is a reason shown to the focal point when they save (never a block on
saving) and to the reviewer next to the value, with the previous value and the
change. `update_checks` checks any number of updates in two queries.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from actions.disaggregation import parts_shortfalls
from reporting.models import IndicatorValue, ProgressUpdate

JUMP, TARGET, RANGE, PARTS = "jump", "target", "range", "parts"


@dataclass(frozen=True)
class Flag:
    kind: str  # JUMP, TARGET, RANGE or PARTS
    message: str


@dataclass
class ValueCheck:
    """One indicator of an update: its value, the member's previous approved
    value (and its period), the change, and the flags raised."""

    indicator: object
    value: IndicatorValue | None
    previous: Decimal | None = None
    previous_period: str = ""
    flags: list[Flag] = field(default_factory=list)

    @property
    def change(self) -> Decimal | None:
        if self.previous is None or self.value is None or self.value.value is None:
            return None
        return self.value.value - self.previous

    @property
    def change_ratio(self) -> Decimal | None:
        if self.change is None or not self.previous:
            return None
        return self.value.value / self.previous


def measure_of(indicator) -> str:
    """What a value of `indicator` is, for the range check: its measure
    (Indicator.measure; the migration set existing indicators' from their unit)."""
    return str(indicator.measure)


def _num(value: Decimal) -> str:
    return number_format(value.normalize() if value == value.to_integral() else value, use_l10n=True)


def _times(value: Decimal) -> str:
    return number_format(round(value, 1), decimal_pos=1, use_l10n=True)


def value_flags(indicator, value: Decimal | None, parts: dict, previous: Decimal | None) -> list[Flag]:
    """The flags of one value (a plain function of numbers: hand-checkable)."""
    if value is None:
        return []
    flags = []
    factor = Decimal(getattr(indicator, "jump_factor", None) or 3)
    if previous is not None:
        if previous == 0:
            if value != 0 and abs(value) >= factor:
                flags.append(Flag(JUMP, _("From 0 last time to %(value)s: check it.") % {"value": _num(value)}))
        elif (previous > 0) == (value > 0) and value != 0:
            ratio = value / previous
            if abs(value) > abs(previous) * factor or abs(value) * factor < abs(previous):
                flags.append(Flag(JUMP, _(
                    "%(times)s× the previous approved value (%(previous)s); this indicator flags changes beyond "
                    "%(factor)s×.") % {"times": _times(ratio), "previous": _num(previous), "factor": _times(factor)}))
        else:
            flags.append(Flag(JUMP, _("The sign changed from the previous approved value (%(previous)s).")
                              % {"previous": _num(previous)}))
    target = indicator.target
    if indicator.direction == "decrease":
        beyond = target > 0 and value < target / factor
    else:
        beyond = target > 0 and value > target * factor
    if beyond:
        flags.append(Flag(TARGET, _("Far beyond the end target of %(target)s (more than %(factor)s× off): check "
                                    "the unit.") % {"target": _num(target), "factor": _times(factor)}))
    measure = measure_of(indicator)
    if measure == "percentage" and not Decimal(0) <= value <= Decimal(100):
        flags.append(Flag(RANGE, _("A percentage is between 0 and 100; this is %(value)s.") % {"value": _num(value)}))
    elif measure in ("count", "currency", "amount") and value < 0:
        flags.append(Flag(RANGE, _("A count cannot be negative; this is %(value)s.") % {"value": _num(value)}))
    for message in parts_shortfalls(indicator, value, parts):
        flags.append(Flag(PARTS, message))
    return flags


def update_checks(updates) -> dict[int, list[ValueCheck]]:
    """{update pk: [ValueCheck per live indicator of its action, in order]}
    for `updates` (ProgressUpdate instances with action and period loaded).
    Two queries whatever their number: the values and indicators of the
    updates, and the members' approved values of those indicators."""
    updates = [u for u in updates if u.pk is not None]
    if not updates:
        return {}
    from actions.models import Indicator

    action_ids = {u.action_id for u in updates}
    indicators: dict[int, list] = defaultdict(list)
    for indicator in Indicator.objects.filter(action_id__in=action_ids, retired=False).order_by("order", "code"):
        indicators[indicator.action_id].append(indicator)
    values = {
        (v.update_id, v.indicator_id): v for v in IndicatorValue.objects.filter(update__in=[u.pk for u in updates])
    }
    history: dict[tuple[int, int], list] = defaultdict(list)
    rows = (
        IndicatorValue.objects.filter(
            update__member_id__in={u.member_id for u in updates},
            update__action_id__in=action_ids,
            update__state=ProgressUpdate.State.APPROVED,
            value__isnull=False,
        )
        .order_by("update__period__start")
        .values_list("update__member_id", "indicator_id", "update__period__start", "update__period__code", "value")
    )
    for member_id, indicator_id, start, code, value in rows:
        history[(member_id, indicator_id)].append((start, code, value))
    checks: dict[int, list[ValueCheck]] = {}
    for update in updates:
        own = []
        for indicator in indicators.get(update.action_id, []):
            value = values.get((update.pk, indicator.pk))
            earlier = [row for row in history.get((update.member_id, indicator.pk), []) if row[0] < update.period.start]
            check = ValueCheck(indicator=indicator, value=value)
            if earlier:
                _start, check.previous_period, check.previous = earlier[-1]
            if value is not None:
                check.flags = value_flags(indicator, value.value, value.parts, check.previous)
            own.append(check)
        checks[update.pk] = own
    return checks


def flag_count(checks: list[ValueCheck]) -> int:
    return sum(len(check.flags) for check in checks)
