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
from metroplan.api.schema import ERROR_DESCRIPTIONS, ErrorSerializer
from reporting.figures import plan_figures


def _plan_progress(figures, period):
    return figures.progress.as_dict()


def _goal_progress(figures, period):
    return [{"goal": goal.code, "title": goal.title, "figure": goal.figure.as_dict()} for goal in figures.goals]


def _compliance_by_period(figures, period):
    return [{"period": p.code, "figure": figure.as_dict()} for p, figure in figures.compliance.per_period()]


def _compliance_by_region(figures, period):
    if period is None:
        return {"period": None, "regions": []}
    return {
        "period": period.code,
        "regions": [
            {"region": region.slug, "name": region.name, "figure": figure.as_dict()}
            for region, figure in figures.compliance.per_region(period)
        ],
    }


def _early_warnings(figures, period):
    return [
        {
            "action": w.action.code, "indicator": w.indicator.code, "unit": w.indicator.unit,
            "projected": round(w.projected, 2), "target": w.target, "end_date": w.action.end_date,
            "points": w.points, "explanation": w.explanation,
        }
        for w in figures.warnings
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
        plan = Plan.objects.visible_to(request.user).current()
        if plan is None:
            raise exceptions.NotFound(_("No plan is loaded."))
        figures = plan_figures(plan)
        code = request.query_params.get("period")
        period = figures.period(code)
        if code and (period is None or period.code != code):
            message = _("No reporting period %(code)s in plan %(plan)s.") % {"code": repr(code), "plan": plan.code}
            raise exceptions.ValidationError({"period": [message]})
        return figures, period

    @extend_schema(operation_id="v1_figures_all", parameters=[PERIOD_PARAMETER], responses=FIGURE_RESPONSES)
    def get(self, request, name: str | None = None):
        figures, period = self._context(request)
        plan = figures.plan
        if name is not None:
            if name not in FIGURES:
                raise exceptions.NotFound(
                    _("No figure %(name)s; figures: %(names)s.") % {"name": repr(name), "names": ", ".join(FIGURES)}
                )
            return Response({"plan": plan.code, "name": name, "data": FIGURES[name](figures, period)})
        return Response({
            "plan": plan.code,
            "period": period.code if period else None,
            "figures": {key: build(figures, period) for key, build in FIGURES.items()},
        })


# A view of its own, so that the schema gives the one-figure operation an id of its own.
class FigureView(FiguresView):
    """One of the current plan's figures, by name, with its rule, inputs, what was left out and its coverage."""

    @extend_schema(operation_id="v1_figures_retrieve", parameters=[PERIOD_PARAMETER], responses=FIGURE_RESPONSES)
    def get(self, request, name: str | None = None):
        return super().get(request, name)
