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


# --- How an indicator's values add up (issue 12) ---------------------------------------------
#
# Across members, in one period: sum, mean, median, or the share (in per cent)
# of members whose value reaches the indicator's threshold (at least it for an
# indicator that should increase, at most it for one that should decrease).
# A ratio indicator adds numerators and denominators: Σ numerators / Σ denominators,
# never the mean of the members' ratios.
# Over time: the period's value, a running total (cumulative) of the periods'
# values, or the latest value to date (a period without values keeps the last one).
# A member that did not report in a period counts with its latest approved value
# for `carry_forward` periods after it.

ACROSS_SUM, ACROSS_MEAN, ACROSS_MEDIAN, ACROSS_SHARE = "sum", "mean", "median", "share"
OVER_PERIOD, OVER_CUMULATIVE, OVER_LATEST = "period", "cumulative", "latest"


def reaches(value: float, threshold: float, direction: str) -> bool:
    return value >= threshold if direction != "decrease" else value <= threshold


def across_members(values: list[float], rule: str, *, threshold: float | None = None,
                   direction: str = "increase") -> float | None:
    """The network's value of one period from its members' values (None without any)."""
    if not values:
        return None
    if rule == ACROSS_SUM:
        return float(sum(values))
    if rule == ACROSS_MEDIAN:
        ordered = sorted(values)
        middle = len(ordered) // 2
        return float(ordered[middle]) if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2
    if rule == ACROSS_SHARE:
        if threshold is None:
            return None
        return 100.0 * sum(1 for value in values if reaches(value, threshold, direction)) / len(values)
    return float(sum(values)) / len(values)


def ratio_of(parts: list[tuple[float, float]]) -> float | None:
    """Σ numerators / Σ denominators (None without parts or with a zero sum)."""
    denominator = sum(bottom for _top, bottom in parts)
    if not parts or not denominator:
        return None
    return sum(top for top, _bottom in parts) / denominator


def over_time(values: list[float | None], rule: str) -> list[float | None]:
    """The network's value of each period (oldest first) from the periods' own
    values: unchanged, a running total, or the latest value to date."""
    result: list[float | None] = []
    running: float | None = None
    for value in values:
        if rule == OVER_CUMULATIVE:
            if value is not None:
                running = (running or 0.0) + value
            result.append(running)
        elif rule == OVER_LATEST:
            if value is not None:
                running = value
            result.append(running)
        else:
            result.append(value)
    return result


def carried_forward(own: dict[int, object], count: int, carry: int) -> dict[int, tuple[object, int | None]]:
    """A member's value for each of `count` periods (by index): its own
    {index: value}, or its latest own value of at most `carry` periods before
    (with the index it comes from); periods with neither are absent."""
    result: dict[int, tuple[object, int | None]] = {}
    last: int | None = None
    for index in range(count):
        if index in own:
            result[index] = (own[index], None)
            last = index
        elif last is not None and index - last <= carry:
            result[index] = (own[last], last)
    return result


def interpolate(points: list[tuple[float, float]], x: float) -> float | None:
    """The value at `x` on the straight lines through `points` (sorted by x);
    before the first point the first value, after the last the last."""
    if not points:
        return None
    if x <= points[0][0]:
        return points[0][1]
    for (x0, y0), (x1, y1) in zip(points, points[1:], strict=False):
        if x <= x1:
            return y0 if x1 == x0 else y0 + (y1 - y0) * (x - x0) / (x1 - x0)
    return points[-1][1]


def progress_towards(value: float | None, baseline: float, target: float) -> float | None:
    """Share of the way from baseline to `target`, not clamped (None without a value)."""
    if value is None or target == baseline:
        return None
    return (float(value) - baseline) / (target - baseline)


ON_TRACK, AT_RISK, OFF_TRACK = "on_track", "at_risk", "off_track"


def computed_status(period_progress: float | None, *, end_progress: float | None, trend_reaches: bool | None,
                    on_track: float, at_risk: float) -> str | None:
    """On track / at risk / off track from how far the actual value has come
    towards the period's target (`period_progress`, 1 = on it) and the trend:
    on track from `on_track` (or with the end target reached), at risk from
    `at_risk` or when the trend still reaches the end target, off track
    otherwise; None without a value."""
    if period_progress is None:
        return None
    if period_progress >= on_track or (end_progress is not None and end_progress >= 1):
        return ON_TRACK
    if period_progress >= at_risk or trend_reaches:
        return AT_RISK
    return OFF_TRACK


STATUS_ORDER = {ON_TRACK: 0, AT_RISK: 1, OFF_TRACK: 2}


def worst_status(statuses: list[str | None]) -> str | None:
    known = [status for status in statuses if status is not None]
    return max(known, key=STATUS_ORDER.__getitem__) if known else None


def status_disagrees(typed: str, computed: str | None, *, end_progress: float | None) -> bool:
    """Whether a typed status contradicts the computed one: a typed on track,
    at risk or off track that differs from it, or "completed" while the
    indicators have not reached their end targets."""
    if computed is None:
        return False
    if typed == "completed":
        return end_progress is not None and end_progress < 1
    if typed in STATUS_ORDER:
        return typed != computed
    return False
