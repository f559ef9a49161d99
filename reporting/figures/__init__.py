"""The one place where figures are computed: progress (indicator, action,
goal, plan), compliance and its outcomes, timeliness, the reference period,
early warnings and every figure's explanation. See engine.py."""

from reporting.figures.engine import (
    COMPLIANCE_RULE,
    PROGRESS_RULE,
    ComplianceFigures,
    EarlyWarning,
    PlanFigures,
    SeriesPoint,
    compliance_figure,
    compliance_figures,
    plan_figures,
    plans_figures,
    shown,
    status_disagreements,
)
from reporting.figures.figure import Figure
from reporting.figures.slots import (
    COUNT_KEYS,
    Outcome,
    empty_counts,
    expected_slots,
    outcome_counts,
    update_timeliness,
)

__all__ = [
    "COMPLIANCE_RULE", "COUNT_KEYS", "PROGRESS_RULE", "ComplianceFigures", "EarlyWarning", "Figure", "Outcome",
    "PlanFigures", "SeriesPoint", "compliance_figure", "empty_counts", "expected_slots", "outcome_counts",
    "plan_figures", "plans_figures", "compliance_figures", "shown", "status_disagreements", "update_timeliness",
]
