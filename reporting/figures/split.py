"""The split of disaggregated indicators (by sex, by age group): for each
breakdown an indicator asks for, the members' approved parts of the latest
period that has any, added up, with the total of the same values; shares are
part / total. Dashboards and the report snapshot read it; one grouped query
on the approved values kept in step with approvals (approved.py) for any
number of indicators.

The split is of the values that gave parts: a member that reported a total
without parts is left out of it (and counted in `members_without_parts`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Count, Q, Sum

from actions.disaggregation import breakdowns_of
from reporting.figures import cache
from reporting.figures.slots import end_of_day
from reporting.models import ApprovedIndicatorValue


@dataclass
class PartShare:
    name: str  # the IndicatorValue field: "women", "youth", …
    label: str
    value: Decimal

    share: float | None = None  # of the total of the values that gave parts


@dataclass
class BreakdownSplit:
    key: str  # "sex" or "age"
    label: str
    period_code: str
    period_end: date
    members: int  # members whose approved value gave parts of this breakdown
    members_without_parts: int  # members with an approved value, but no parts of it
    total: Decimal
    parts: list[PartShare]

    @property
    def unstated(self) -> Decimal:
        """What the parts leave of the total (not everyone's sex or age is known)."""
        return max(self.total - sum((p.value for p in self.parts), Decimal(0)), Decimal(0))


def indicator_splits(indicators, *, as_of: date | None = None, up_to: date | None = None) -> dict[int, list]:
    """{indicator pk: [BreakdownSplit]} for the `indicators` that ask for
    parts: approved values only, approved by the end of `as_of` and of
    periods ending by `up_to` when given (as the engine reads them). Cached
    under the figures version like the engine's result (a repeated page reads
    no value)."""
    asked = {indicator.pk: breakdowns_of(indicator) for indicator in indicators}
    asked = {pk: breakdowns for pk, breakdowns in asked.items() if breakdowns}
    if not asked:
        return {}

    # One entry for the page's indicators (not one each: the process's few recent entries stay the plans').
    key = hashlib.sha1(",".join(map(str, sorted(asked))).encode()).hexdigest()
    return cache.cached_many(
        "split", [key], (as_of, up_to), lambda _keys: {key: _splits(asked, as_of=as_of, up_to=up_to)},
    )[key]


def _splits(asked: dict, *, as_of: date | None, up_to: date | None) -> dict[int, list]:
    values = ApprovedIndicatorValue.objects.filter(indicator_id__in=list(asked), value__isnull=False)
    if as_of is not None:
        values = values.filter(approved_at__lt=end_of_day(as_of))
    if up_to is not None:
        values = values.filter(period__end__lte=up_to)
    aggregates = {}
    for breakdown in {b.key: b for own in asked.values() for b in own}.values():
        given = Q()
        for name in breakdown.names:
            given |= Q(**{f"{name}__isnull": False})
        aggregates[f"{breakdown.key}_members"] = Count("pk", filter=given)
        aggregates[f"{breakdown.key}_total"] = Sum("value", filter=given)
        for name in breakdown.names:
            aggregates[name] = Sum(name)
    aggregates["all_members"] = Count("pk")
    rows = (
        values.values("indicator_id", "period__code", "period__end")
        .annotate(**aggregates).order_by("indicator_id", "-period__end")
    )
    splits: dict[int, list[BreakdownSplit]] = {}
    for row in rows:
        for breakdown in asked[row["indicator_id"]]:
            own = splits.setdefault(row["indicator_id"], [])
            if any(s.key == breakdown.key for s in own) or not row[f"{breakdown.key}_members"]:
                continue  # a later period already gave this breakdown, or this one has no parts
            total = row[f"{breakdown.key}_total"] or Decimal(0)
            parts = [PartShare(name, str(label), row[name] or Decimal(0)) for name, label in breakdown.parts]
            for part in parts:
                part.share = float(part.value / total) if total else None
            own.append(BreakdownSplit(
                key=breakdown.key, label=str(breakdown.label), period_code=row["period__code"],
                period_end=row["period__end"], members=row[f"{breakdown.key}_members"],
                members_without_parts=row["all_members"] - row[f"{breakdown.key}_members"], total=total,
                parts=parts,
            ))
    return {pk: sorted(own, key=lambda s: s.key != "sex") for pk, own in splits.items() if own}
