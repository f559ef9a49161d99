"""The rules behind every figure, each written once, as plain functions of
numbers. The engine (reporting/figures/engine.py) feeds them the grouped rows it
reads from the database; nothing else computes a figure.

DESIGN.md, "Derived figures":
- indicator progress = (latest approved value − baseline) / (target − baseline),
  clamped to 0..1; an indicator with no approved value counts as 0 and is
  reported as a data gap;
- action progress = mean of its live indicators' progress; an action without
  indicators takes it from its status (completed 1, not started 0, otherwise ½);
- goal and plan progress = mean of their counted actions' progress, weighted
  by each action's weight (cancelled and retired actions are left out);
- compliance = updates first submitted by the deadline / updates expected,
  leaving out of the denominator what is not yet due and what was excused.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

STATUS_PROGRESS = {"completed": 1.0, "not_started": 0.0}
STATUS_PROGRESS_DEFAULT = 0.5


def clamp(value: float, low: float = 0.0, high: float = 1.0) -> float:
    return max(low, min(high, value))


def indicator_progress(latest_value, baseline, target) -> float:
    """Share of the way from baseline to target, 0..1 (0 without a value)."""
    if latest_value is None:
        return 0.0
    baseline, target = float(baseline), float(target)
    return clamp((float(latest_value) - baseline) / (target - baseline))


def action_progress(indicator_progresses: list[float], status: str) -> float:
    if indicator_progresses:
        return sum(indicator_progresses) / len(indicator_progresses)
    return STATUS_PROGRESS.get(status, STATUS_PROGRESS_DEFAULT)


def weighted_mean(pairs: Iterable[tuple[float, int]]) -> float | None:
    """Mean of (value, weight) pairs; None when no weight counts."""
    pairs = list(pairs)
    weights = sum(weight for _value, weight in pairs)
    if not weights:
        return None
    return sum(value * weight for value, weight in pairs) / weights


def compliance_rate(counts: dict) -> float | None:
    """On time / (expected − not yet due − excused); None when nothing counts."""
    denominator = counts["expected"] - counts.get("due", 0) - counts.get("excused", 0)
    if denominator <= 0:
        return None
    return counts["on_time"] / denominator


def linear_projection(points: list[tuple[float, float]], x_target: float) -> float | None:
    """The least-squares line through `points`, evaluated at `x_target`
    (None with fewer than two distinct x)."""
    n = len(points)
    if n < 2:
        return None
    mean_x = sum(x for x, _ in points) / n
    mean_y = sum(y for _, y in points) / n
    var_x = sum((x - mean_x) ** 2 for x, _ in points)
    if var_x == 0:
        return None
    slope = sum((x - mean_x) * (y - mean_y) for x, y in points) / var_x
    return mean_y + slope * (x_target - mean_x)


def falls_short(projected: float, target: float, direction: str) -> bool:
    return projected < target if direction == "increase" else projected > target


def elapsed_fraction(start: date, end: date, today: date) -> float:
    """Share of a span of dates that has passed, 0..1."""
    if today <= start:
        return 0.0
    if today >= end:
        return 1.0
    return (today - start).days / (end - start).days


def reference_period(periods: list, today: date):
    """The period figures are shown for by default: the latest whose deadline
    has passed (nothing in it is still due), else the first. `periods` are
    in order of start."""
    past = [period for period in periods if period.deadline < today]
    if past:
        return past[-1]
    return periods[0] if periods else None
