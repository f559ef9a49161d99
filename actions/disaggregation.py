"""Disaggregation: the parts an indicator may ask its values in, and the one
rule they follow.

An indicator may ask for its values by sex (women, men, other or not stated)
and by age group (youth under 30, other ages); `Indicator.by_sex` and
`Indicator.by_age` say which. A value then carries its parts next to its
total (reporting.models.IndicatorValue). The parts of one breakdown never add
up to more than the total (`parts_refusals`, asked by the update service for
the form, the spreadsheet and the API alike); adding up to less is allowed
(not everyone's sex or age is known) and is a data-quality flag
(reporting/quality.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


@dataclass(frozen=True)
class Breakdown:
    key: str  # "sex" or "age"
    label: str
    flag: str  # the Indicator field that asks for it
    parts: tuple[tuple[str, str], ...]  # (IndicatorValue field, label)

    @property
    def names(self) -> list[str]:
        return [name for name, _label in self.parts]


BY_SEX = Breakdown("sex", gettext_lazy("By sex"), "by_sex", (
    ("women", gettext_lazy("Women")), ("men", gettext_lazy("Men")),
    ("sex_other", gettext_lazy("Other or not stated")),
))
BY_AGE = Breakdown("age", gettext_lazy("By age group"), "by_age", (
    ("youth", gettext_lazy("Youth (under 30)")), ("age_other", gettext_lazy("Other ages")),
))
BREAKDOWNS = (BY_SEX, BY_AGE)
PART_NAMES = tuple(name for breakdown in BREAKDOWNS for name in breakdown.names)
PART_LABELS = {name: label for breakdown in BREAKDOWNS for name, label in breakdown.parts}


def breakdowns_of(indicator) -> list[Breakdown]:
    """The breakdowns `indicator` asks for (none, sex, age or both)."""
    return [breakdown for breakdown in BREAKDOWNS if getattr(indicator, breakdown.flag, False)]


def part_names_of(indicator) -> list[str]:
    return [name for breakdown in breakdowns_of(indicator) for name in breakdown.names]


def _num(value: Decimal) -> str:
    return number_format(value, decimal_pos=None if value != value.to_integral() else 0)


def parts_refusals(indicator, total: Decimal | None, parts: dict[str, Decimal | None]) -> dict[str, str]:
    """{part: why it cannot be saved} for the `parts` given with `total`:
    a part the indicator does not ask for, a negative part, parts without a
    total, and the parts of a breakdown adding up to more than the total
    (named on that breakdown's first part). Empty when all is well."""
    refusals: dict[str, str] = {}
    asked = set(part_names_of(indicator))
    given = {name: value for name, value in parts.items() if value is not None}
    for name, value in given.items():
        if name not in asked:
            refusals[name] = _("Indicator %(code)s is not reported by %(part)s.") % {
                "code": indicator.code, "part": str(PART_LABELS.get(name, name)).lower()}
        elif value < 0:
            refusals[name] = _("A part cannot be negative.")
    if refusals:
        return refusals
    for breakdown in breakdowns_of(indicator):
        own = {name: given[name] for name in breakdown.names if name in given}
        if not own:
            continue
        first = next(name for name in breakdown.names if name in own)
        if total is None:
            refusals[first] = _("Give the total before its parts.")
            continue
        added = sum(own.values(), Decimal(0))
        if added > total:
            refusals[first] = _("%(parts)s add up to %(sum)s, more than the total of %(total)s.") % {
                "parts": ", ".join(str(PART_LABELS[name]) for name in own), "sum": _num(added),
                "total": _num(total),
            }
    return refusals


def parts_shortfalls(indicator, total: Decimal | None, parts: dict[str, Decimal | None]) -> list[str]:
    """Why the parts given fall short of the total (not an error: a quality
    flag), one sentence per breakdown that is incomplete or adds up to less."""
    found = []
    if total is None:
        return found
    for breakdown in breakdowns_of(indicator):
        own = {name: parts.get(name) for name in breakdown.names}
        if all(value is None for value in own.values()):
            found.append(_("%(breakdown)s: no parts given.") % {"breakdown": breakdown.label})
            continue
        added = sum((value for value in own.values() if value is not None), Decimal(0))
        if added < total:
            found.append(_("%(breakdown)s: the parts add up to %(sum)s of the total %(total)s.") % {
                "breakdown": breakdown.label, "sum": _num(added), "total": _num(total)})
    return found
