"""A figure that can explain itself ("show the math").

Every number on a dashboard, in the API and in a report is a Figure: its value,
the rule that made it, its inputs, what was left out and why, and its coverage.
"""

from dataclasses import asdict, dataclass, field

from django.utils.translation import gettext as _


def whole_percent(value: float | None) -> int | None:
    """A 0..1 fraction as a whole percentage (0.584 → 58), None kept."""
    return None if value is None else round(value * 100)


@dataclass
class Figure:
    value: float | None
    rule: str
    inputs: list[str] = field(default_factory=list)
    left_out: list[str] = field(default_factory=list)
    covered: int | None = None
    expected: int | None = None
    coverage_label: str = ""

    @property
    def percent(self) -> int | None:
        return whole_percent(self.value)

    @property
    def coverage(self) -> str:
        if self.expected is None:
            return ""
        numbers = {"covered": self.covered, "expected": self.expected}
        if not self.coverage_label:
            return _("%(covered)s of %(expected)s") % numbers
        return _("%(label)s from %(covered)s of %(expected)s") % {"label": self.coverage_label, **numbers}

    def as_dict(self) -> dict:
        data = asdict(self)
        data["rule"] = str(self.rule)
        data["percent"] = self.percent
        data["coverage"] = self.coverage
        return data
