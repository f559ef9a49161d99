"""A figure that can explain itself ("show the math").

Every number on a dashboard, in the API and in a report is a Figure: its value,
the rule that made it, its inputs, what was left out and why, and its coverage.
"""

from dataclasses import dataclass, field, fields

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
    # "Show the math with numbers" (indicators and actions): the values behind
    # the figure ({member, period, value, numerator, denominator, approved_at,
    # carried_forward}), what was left out ({member, period, reason}), the
    # result in words, and the computed status ({status, label, explanation,
    # typed, disagrees}).
    details: list[dict] = field(default_factory=list)
    left_out_details: list[dict] = field(default_factory=list)
    result: str = ""
    status: dict | None = None
    carried: int | None = None
    # The result for a page: the same sentence as HTML, plan content in it (a
    # unit) marked with its language where it falls back to English. Not data:
    # `as_dict` leaves it out.
    result_html: str = field(default="", repr=False)

    @property
    def percent(self) -> int | None:
        return whole_percent(self.value)

    @property
    def coverage(self) -> str:
        if self.expected is None:
            return ""
        numbers = {"covered": self.covered, "expected": self.expected}
        if self.carried is not None:
            text = _("approved data from %(covered)s of %(expected)s expected members") % numbers
            if self.carried:
                text += " " + _("(and %(carried)s carried forward)") % {"carried": self.carried}
            return text
        if not self.coverage_label:
            return _("%(covered)s of %(expected)s") % numbers
        return _("%(label)s from %(covered)s of %(expected)s") % {"label": self.coverage_label, **numbers}

    def as_dict(self, limit: int | None = None) -> dict:
        """The figure as data. `limit`: at most that many entries in each list
        (inputs, left out, their details), so that a figure's explanation does
        not grow with the network; `*_total` give the whole counts."""
        # The lists are cut before they are copied: a figure of the whole network
        # has a value per member behind it (14,100 at 100x).
        data = {}
        truncated = False
        for item in fields(self):
            if item.name == "result_html":
                continue
            value = getattr(self, item.name)
            if item.name in ("inputs", "left_out", "details", "left_out_details"):
                if limit is not None and len(value) > limit:
                    value, truncated = value[:limit], True
                value = [dict(entry) if isinstance(entry, dict) else entry for entry in value]
            elif isinstance(value, dict):
                value = dict(value)
            data[item.name] = value
        data["details_total"] = len(self.details)
        data["left_out_total"] = len(self.left_out_details)
        data["truncated"] = truncated
        data["rule"] = str(self.rule)
        data["coverage_label"] = str(self.coverage_label)
        data["percent"] = self.percent
        data["coverage"] = self.coverage
        return data
