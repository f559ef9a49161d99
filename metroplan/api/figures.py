"""The figures of the dashboards with their math ("show the math" in the API).

GET /api/v1/figures/           every figure below
GET /api/v1/figures/<name>/    one of: plan-progress, goal-progress,
                               compliance-by-period, compliance-by-region, early-warnings
`?period=<code>` picks the period of compliance-by-region (default: the latest
period whose deadline has passed). Each figure is Figure.as_dict(): value,
percent, rule, inputs, left_out, covered, expected, coverage.
"""

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import APIView

from actions.models import Plan
from actions.selectors import early_warnings, goal_figures, plan_progress
from metroplan.api.schema import ERROR_DESCRIPTIONS, ErrorSerializer
from reporting.models import ReportingPeriod
from reporting.selectors import compliance_per_period, compliance_per_region, reference_period


def _plan_progress(plan, period):
    return plan_progress(plan).as_dict()


def _goal_progress(plan, period):
    return [{"goal": goal.code, "title": goal.title, "figure": figure.as_dict()} for goal, figure in goal_figures(plan)]


def _compliance_by_period(plan, period):
    return [{"period": p.code, "figure": figure.as_dict()} for p, figure in compliance_per_period(plan)]


def _compliance_by_region(plan, period):
    if period is None:
        return {"period": None, "regions": []}
    return {
        "period": period.code,
        "regions": [
            {"region": region.slug, "name": region.name, "figure": figure.as_dict()}
            for region, figure in compliance_per_region(period)
        ],
    }


def _early_warnings(plan, period):
    return [
        {
            "action": w.action.code, "indicator": w.indicator.code, "unit": w.indicator.unit,
            "projected": round(w.projected, 2), "target": w.target, "end_date": w.action.end_date,
            "points": w.points, "explanation": w.explanation,
        }
        for w in early_warnings(plan)
    ]


FIGURES = {
    "plan-progress": _plan_progress,
    "goal-progress": _goal_progress,
    "compliance-by-period": _compliance_by_period,
    "compliance-by-region": _compliance_by_region,
    "early-warnings": _early_warnings,
}

PERIOD_PARAMETER = OpenApiParameter(
    "period", str, description="Reporting period code for compliance-by-region (default: the latest past deadline)."
)


FIGURE_RESPONSES = {
    200: OpenApiTypes.OBJECT,
    **{code: OpenApiResponse(ErrorSerializer, description=ERROR_DESCRIPTIONS[str(code)])
       for code in (400, 401, 404, 406, 429)},
}


class FiguresView(APIView):
    """The current plan's figures, each with its rule, inputs, what was left out and its coverage."""

    def _context(self, request):
        plan = Plan.objects.current()
        if plan is None:
            raise exceptions.NotFound(_("No plan is loaded."))
        code = request.query_params.get("period")
        if code:
            period = ReportingPeriod.objects.filter(plan=plan, code=code).first()
            if period is None:
                message = _("No reporting period %(code)s in plan %(plan)s.") % {"code": repr(code), "plan": plan.code}
                raise exceptions.ValidationError({"period": [message]})
        else:
            period = reference_period(plan)
        return plan, period

    @extend_schema(operation_id="v1_figures_all", parameters=[PERIOD_PARAMETER], responses=FIGURE_RESPONSES)
    def get(self, request, name: str | None = None):
        plan, period = self._context(request)
        if name is not None:
            if name not in FIGURES:
                raise exceptions.NotFound(
                    _("No figure %(name)s; figures: %(names)s.") % {"name": repr(name), "names": ", ".join(FIGURES)}
                )
            return Response({"plan": plan.code, "name": name, "data": FIGURES[name](plan, period)})
        return Response({
            "plan": plan.code,
            "period": period.code if period else None,
            "figures": {key: build(plan, period) for key, build in FIGURES.items()},
        })


# A view of its own, so that the schema gives the one-figure operation an id of its own.
class FigureView(FiguresView):
    """One of the current plan's figures, by name, with its rule, inputs, what was left out and its coverage."""

    @extend_schema(operation_id="v1_figures_retrieve", parameters=[PERIOD_PARAMETER], responses=FIGURE_RESPONSES)
    def get(self, request, name: str | None = None):
        return super().get(request, name)
