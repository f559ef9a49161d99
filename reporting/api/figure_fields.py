"""The figures engine's answers for the API resources of the lower apps
(metroplan/api/figure_fields.py): each provider reads the engine's result for
the plans of the page's rows and sets what the resource's serializer shows.
Registered by ReportingConfig.ready()."""

from __future__ import annotations

from actions.models import Plan
from metroplan.api import figure_fields
from metroplan.api.explain import explain_limit
from reporting.figures import empty_counts, plans_figures


def _figures_for(plan_ids) -> dict:
    return plans_figures(Plan.objects.filter(pk__in=set(plan_ids)))


class PlanFigures:
    def attach(self, objects, request) -> None:
        figures = plans_figures(objects)
        limit = explain_limit(request)
        for plan in objects:
            own = figures[plan.pk]
            plan.progress = own.progress.value
            plan.explain = own.progress.as_dict(limit)
            plan.goal_count = len(own.goals)
            plan.action_count = len(own.actions)

    def values(self, field, queryset, request) -> dict:
        return {pk: figures.progress.value for pk, figures in plans_figures(queryset).items()}


class _ItemFigures:
    """Goals, actions or indicators: the engine's instance of the same row
    carries the figures."""

    plan_path = ""
    fields: tuple[str, ...] = ()

    def items(self, figures) -> dict:
        raise NotImplementedError

    def _engine_items(self, plan_ids) -> dict:
        items = {}
        for figures in _figures_for(plan_ids).values():
            items.update(self.items(figures))
        return items

    def attach(self, objects, request) -> None:
        items = self._engine_items({self.plan_of(obj) for obj in objects})
        limit = explain_limit(request)
        for obj in objects:
            computed = items.get(obj.pk)
            for name in self.fields:
                setattr(obj, name, getattr(computed, name, None))
            obj.explain = computed.figure.as_dict(limit) if computed is not None else None

    def values(self, field, queryset, request) -> dict:
        plan_ids = queryset.order_by().values_list(self.plan_path, flat=True).distinct()
        return {pk: getattr(item, field) for pk, item in self._engine_items(list(plan_ids)).items()}


class GoalFigures(_ItemFigures):
    plan_path = "plan_id"
    fields = ("progress", "action_count")

    def plan_of(self, goal):
        return goal.plan_id

    def items(self, figures):
        return figures.goal_by_pk()


class ActionFigures(_ItemFigures):
    plan_path = "goal__plan_id"
    fields = ("progress", "indicator_count")

    def plan_of(self, action):
        return action.goal.plan_id

    def items(self, figures):
        return figures.action_by_pk()


class IndicatorFigures(_ItemFigures):
    plan_path = "action__goal__plan_id"
    fields = ("progress", "latest_value")

    def plan_of(self, indicator):
        return indicator.action.goal.plan_id

    def items(self, figures):
        return figures.indicator_by_pk()


class _ComplianceFigures:
    """Members or regions: their compliance in the current plan's reference
    period, with that period's code."""

    def counts(self, compliance, period) -> dict:
        raise NotImplementedError

    def attach(self, objects, request) -> None:
        plan = Plan.objects.visible_to(request.user).current()
        figures = plans_figures([plan])[plan.pk] if plan else None
        period = figures.reference_period if figures else None
        counts = self.counts(figures.compliance, period) if period else {}
        for obj in objects:
            if period is None:
                obj.compliance = None
            else:
                obj.compliance = {"period": period.code, **(counts.get(obj.pk) or empty_counts())}

    def values(self, field, queryset, request) -> dict:  # pragma: no cover - not orderable
        raise NotImplementedError


class MemberCompliance(_ComplianceFigures):
    def counts(self, compliance, period):
        return compliance.member_counts(period)


class RegionCompliance(_ComplianceFigures):
    def counts(self, compliance, period):
        return compliance.region_counts(period)


def register() -> None:
    figure_fields.register("plan", PlanFigures())
    figure_fields.register("goal", GoalFigures())
    figure_fields.register("action", ActionFigures())
    figure_fields.register("indicator", IndicatorFigures())
    figure_fields.register("member", MemberCompliance())
    figure_fields.register("region", RegionCompliance())
