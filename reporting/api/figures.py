"""The figures of the dashboards with their math ("show the math" in the API).

GET /api/v1/figures/           every figure below
GET /api/v1/figures/<name>/    one of: plan-progress, goal-progress, action-progress,
                               indicator-progress, status-disagreements,
                               compliance-by-period, compliance-by-region, early-warnings
`?period=<code>` picks the period of compliance-by-region (default: the latest
period whose deadline has passed). Each figure is Figure.as_dict(limit): value,
percent, rule, inputs, left_out, covered, expected, coverage, and for
indicators and actions the numbers behind it: details (each value: member,
period, value, approved when, carried forward or not), left_out_details,
result and the computed status (metroplan/api/explain.py documents it), each
list cut to its first 20 entries unless `?explain=full`.
"""

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import exceptions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from actions.models import Plan
from metroplan.api.explain import EXPLAIN_PARAMETER, ExplainSerializer, explain_limit
from metroplan.api.schema import ERROR_DESCRIPTIONS, ErrorSerializer
from reporting.figures import plan_figures, shown, status_disagreements


def _plan_progress(figures, period, limit):
    return figures.progress.as_dict(limit)


def _goal_progress(figures, period, limit):
    return [{"goal": goal.code, "title": goal.title, "figure": goal.figure.as_dict(limit)} for goal in figures.goals]


def _action_progress(figures, period, limit):
    return [{"action": action.code, "title": action.title, "status": action.status,
             "computed_status": action.computed_status, "figure": action.figure.as_dict(limit)}
            for action in figures.actions]


def _indicator_progress(figures, period, limit):
    return [
        {
            "indicator": indicator.code, "action": indicator.action.code, "unit": indicator.unit,
            "measure": indicator.measure, "across": indicator.across, "over_time": indicator.over_time,
            "carry_forward": indicator.carry_forward, "latest_value": indicator.latest_value,
            "latest_text": shown(indicator, indicator.latest_value), "period_target": indicator.period_target,
            "period_targets": indicator.period_targets, "computed_status": indicator.computed_status,
            "figure": indicator.figure.as_dict(limit),
        }
        for indicator in figures.indicators
    ]


def _status_disagreements(figures, period, limit):
    return [{"action": action.code, "title": action.title, "typed": action.status,
             "computed": action.computed_status, "explanation": action.status_explanation}
            for action in status_disagreements(figures)]


def _compliance_by_period(figures, period, limit):
    return [{"period": p.code, "figure": figure.as_dict(limit)} for p, figure in figures.compliance.per_period()]


def _compliance_by_region(figures, period, limit):
    if period is None:
        return {"period": None, "regions": []}
    return {
        "period": period.code,
        "regions": [
            {"region": region.slug, "name": region.name, "figure": figure.as_dict(limit)}
            for region, figure in figures.compliance.per_region(period)
        ],
    }


def _early_warnings(figures, period, limit):
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
    "action-progress": _action_progress,
    "indicator-progress": _indicator_progress,
    "status-disagreements": _status_disagreements,
    "compliance-by-period": _compliance_by_period,
    "compliance-by-region": _compliance_by_region,
    "early-warnings": _early_warnings,
}

PERIOD_PARAMETER = OpenApiParameter(
    "period", str, description="Reporting period code for compliance-by-region (default: the latest past deadline)."
)


def _listed(component: str, **fields):
    return serializers.ListField(child=inline_serializer(component, fields={**fields, "figure": ExplainSerializer()}))


FIGURES_BODY = inline_serializer("Figures", fields={
    "plan": serializers.CharField(),
    "period": serializers.CharField(allow_null=True, help_text="The period of compliance-by-region."),
    "figures": inline_serializer("FiguresByName", fields={
        "plan-progress": ExplainSerializer(),
        "goal-progress": _listed("GoalProgress", goal=serializers.CharField(), title=serializers.CharField()),
        "action-progress": _listed(
            "ActionProgress", action=serializers.CharField(), title=serializers.CharField(),
            status=serializers.CharField(help_text="The typed status, as typed."),
            computed_status=serializers.CharField(allow_null=True)),
        "indicator-progress": _listed(
            "IndicatorProgress", indicator=serializers.CharField(), action=serializers.CharField(),
            unit=serializers.CharField(), measure=serializers.CharField(), across=serializers.CharField(),
            over_time=serializers.CharField(), carry_forward=serializers.IntegerField(),
            latest_value=serializers.FloatField(allow_null=True, help_text="The network value, as it adds up."),
            latest_text=serializers.CharField(help_text="As pages show it (counts as whole numbers)."),
            period_target=serializers.FloatField(
                allow_null=True, help_text="The target for the latest value's period."),
            period_targets=serializers.DictField(child=serializers.FloatField(allow_null=True),
                                                 help_text="{period code: target}, from the milestones."),
            computed_status=serializers.CharField(allow_null=True)),
        "status-disagreements": serializers.ListField(child=inline_serializer("StatusDisagreement", fields={
            "action": serializers.CharField(), "title": serializers.CharField(), "typed": serializers.CharField(),
            "computed": serializers.CharField(), "explanation": serializers.CharField()})),
        "compliance-by-period": _listed("ComplianceByPeriod", period=serializers.CharField()),
        "compliance-by-region": inline_serializer("ComplianceByRegion", fields={
            "period": serializers.CharField(allow_null=True),
            "regions": _listed("RegionCompliance", region=serializers.CharField(), name=serializers.CharField())}),
        "early-warnings": serializers.ListField(child=serializers.DictField()),
    }),
})

FIGURE_RESPONSES = {
    200: FIGURES_BODY,
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

    @extend_schema(operation_id="v1_figures_all", parameters=[PERIOD_PARAMETER, EXPLAIN_PARAMETER],
                   responses=FIGURE_RESPONSES)
    def get(self, request, name: str | None = None):
        figures, period = self._context(request)
        limit = explain_limit(request)
        plan = figures.plan
        if name is not None:
            if name not in FIGURES:
                raise exceptions.NotFound(
                    _("No figure %(name)s; figures: %(names)s.") % {"name": repr(name), "names": ", ".join(FIGURES)}
                )
            return Response({"plan": plan.code, "name": name, "data": FIGURES[name](figures, period, limit)})
        return Response({
            "plan": plan.code,
            "period": period.code if period else None,
            "figures": {key: build(figures, period, limit) for key, build in FIGURES.items()},
        })


# A view of its own, so that the schema gives the one-figure operation an id of its own.
class FigureView(FiguresView):
    """One of the current plan's figures, by name, with its rule, inputs, what was left out and its coverage."""

    @extend_schema(operation_id="v1_figures_retrieve", parameters=[PERIOD_PARAMETER, EXPLAIN_PARAMETER], responses={
        **FIGURE_RESPONSES,
        200: inline_serializer("Figure", fields={
            "plan": serializers.CharField(), "name": serializers.CharField(),
            "data": serializers.JSONField(help_text="The figure named, as in the list of all figures."),
        }),
    })
    def get(self, request, name: str | None = None):
        return super().get(request, name)
