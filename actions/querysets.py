"""Progress figures of the plan, computed in the database.

Rules (DESIGN.md, "Derived figures"):
- indicator progress = (latest approved value − baseline) / (target − baseline),
  clamped to 0..1. The latest approved value is the mean of the members'
  approved values in the latest period that has any. An indicator with no
  approved value counts as 0 (at its baseline) and is reported as a data gap,
  not left out of the mean;
- action progress = mean of its indicators' progress; an action without
  indicators takes its progress from its status (completed 1, not started 0,
  otherwise 0.5);
- goal and plan progress = mean of their actions' progress weighted by each
  action's `weight`; cancelled and retired actions are left out.
"""

from datetime import date

from django.apps import apps
from django.db import models
from django.db.models import (
    Avg,
    Case,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    OuterRef,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Greatest, Least

from metroplan.visibility import UnrestrictedQuerySet

STATUS_PROGRESS = {"completed": 1.0, "not_started": 0.0}
STATUS_PROGRESS_DEFAULT = 0.5


def latest_approved_values(as_of: date | None = None):
    """IndicatorValue rows that count: approved, numeric, newest period first."""
    IndicatorValue = apps.get_model("reporting", "IndicatorValue")
    values = IndicatorValue.objects.filter(update__state="approved", value__isnull=False)
    if as_of is not None:
        values = values.filter(update__period__end__lte=as_of)
    return values.order_by("-update__period__end", "-update__reviewed_at", "-pk")


def in_visible_plans(queryset, user, plan_path: str):
    """`queryset` restricted to rows of plans `user` may see (PlanQuerySet.visible_to):
    a draft plan's goals, actions, indicators, periods and updates are staff's."""
    from metroplan.permissions import is_secretariat

    if is_secretariat(user):
        return queryset
    Plan = apps.get_model("actions", "Plan")
    return queryset.filter(**{f"{plan_path}__in": Plan.objects.visible_to(user)})


class SustainableDevelopmentGoalQuerySet(UnrestrictedQuerySet):
    """The UN's 17 goals: public."""


class ParticipationQuerySet(models.QuerySet):
    def visible_to(self, user):
        return in_visible_plans(self, user, "action__goal__plan")


class MilestoneQuerySet(models.QuerySet):
    def visible_to(self, user):
        return in_visible_plans(self, user, "indicator__action__goal__plan")


class PlanQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Staff see every plan; others do not see draft plans (being prepared)."""
        from metroplan.permissions import can_see_dashboards, is_secretariat

        if is_secretariat(user):
            return self
        if not can_see_dashboards(user):
            return self.none()
        return self.exclude(status="draft")

    def current(self):
        """The current plan, or the newest one if none is marked current."""
        return self.order_by("-is_current", "-start_date").first()


class IndicatorQuerySet(models.QuerySet):
    def visible_to(self, user):
        return in_visible_plans(self, user, "action__goal__plan")

    def active(self):
        return self.filter(retired=False)

    def with_latest_value(self, as_of: date | None = None):
        """`latest_period_id`, `latest_period_end` and `latest_value`: the mean of
        the members' approved values in the latest period that has any.

        Written to use the (action, period, state) index of progress updates: the
        latest period is found by probing the few periods newest first, and the
        mean reads only that period's updates of the indicator's action, so the
        cost does not grow with the number of earlier updates.
        """
        IndicatorValue = apps.get_model("reporting", "IndicatorValue")
        ReportingPeriod = apps.get_model("reporting", "ReportingPeriod")

        def counted_values(indicator_ref, action_ref, period_ref):
            return IndicatorValue.objects.filter(
                indicator=indicator_ref, update__action=action_ref, update__period=period_ref,
                update__state="approved", value__isnull=False,
            )

        periods = ReportingPeriod.objects.filter(
            Exists(counted_values(OuterRef(OuterRef("pk")), OuterRef(OuterRef("action_id")), OuterRef("pk")))
        )
        if as_of is not None:
            periods = periods.filter(end__lte=as_of)
        latest_period = Subquery(periods.order_by("-end").values("pk")[:1])
        latest_end = Subquery(ReportingPeriod.objects.filter(pk=OuterRef("latest_period_id")).values("end")[:1])
        latest_mean = Subquery(
            counted_values(OuterRef("pk"), OuterRef("action_id"), OuterRef("latest_period_id"))
            .order_by()
            .values("indicator")
            .annotate(mean=Avg("value"))
            .values("mean")[:1]
        )
        return (
            self.annotate(latest_period_id=latest_period)
            .annotate(latest_period_end=latest_end)
            .annotate(latest_value=latest_mean)
        )

    def with_progress(self, as_of: date | None = None):
        ratio = ExpressionWrapper(
            (Cast(F("latest_value"), FloatField()) - Cast(F("baseline"), FloatField()))
            / (Cast(F("target"), FloatField()) - Cast(F("baseline"), FloatField())),
            output_field=FloatField(),
        )
        # The ratio is NULL without a value; coalesce it before clamping, because
        # PostgreSQL's GREATEST/LEAST skip NULLs (LEAST(1, NULL) is 1 there, NULL on SQLite).
        return self.with_latest_value(as_of).annotate(
            progress=Greatest(
                Value(0.0), Least(Value(1.0), Coalesce(ratio, Value(0.0))), output_field=FloatField()
            ),
        )


class ActionQuerySet(models.QuerySet):
    def visible_to(self, user):
        return in_visible_plans(self, user, "goal__plan")

    def active(self):
        return self.filter(retired=False)

    def counted(self):
        """Actions that count in goal and plan progress."""
        return self.filter(retired=False).exclude(status="cancelled")

    def in_plan(self, plan):
        return self.filter(goal__plan=plan)

    def with_progress(self, as_of: date | None = None):
        Indicator = apps.get_model("actions", "Indicator")
        indicator_mean = Subquery(
            Indicator.objects.filter(action=OuterRef("pk"), retired=False)
            .with_progress(as_of)
            .order_by()
            .values("action")
            .annotate(mean=Avg("progress"))
            .values("mean")[:1],
            output_field=FloatField(),
        )
        by_status = Case(
            *[When(status=status, then=Value(value)) for status, value in STATUS_PROGRESS.items()],
            default=Value(STATUS_PROGRESS_DEFAULT),
            output_field=FloatField(),
        )
        return self.annotate(progress=Coalesce(indicator_mean, by_status, output_field=FloatField()))

    def progress_mean(self, as_of: date | None = None) -> float | None:
        """Weighted mean progress of the counted actions in this queryset."""
        result = (
            self.counted()
            .with_progress(as_of)
            .aggregate(
                weighted=Sum(F("progress") * F("weight"), output_field=FloatField()),
                weights=Sum("weight"),
            )
        )
        if not result["weights"]:
            return None
        return result["weighted"] / result["weights"]

    def status_mix(self) -> dict[str, int]:
        rows = self.filter(retired=False).order_by().values("status").annotate(n=Count("pk"))
        return {row["status"]: row["n"] for row in rows}


class GoalQuerySet(models.QuerySet):
    def visible_to(self, user):
        return in_visible_plans(self, user, "plan")

    def active(self):
        return self.filter(retired=False)

    def with_progress(self, as_of: date | None = None):
        Action = apps.get_model("actions", "Action")
        actions = (
            Action.objects.filter(goal=OuterRef("pk"))
            .counted()
            .with_progress(as_of)
            .order_by()
            .values("goal")
        )
        weighted = Subquery(
            actions.annotate(
                mean=ExpressionWrapper(
                    Sum(F("progress") * F("weight"), output_field=FloatField()) / Cast(Sum("weight"), FloatField()),
                    output_field=FloatField(),
                )
            ).values("mean")[:1],
            output_field=FloatField(),
        )
        return self.annotate(
            progress=weighted,
            action_count=Subquery(
                Action.objects.filter(goal=OuterRef("pk"), retired=False)
                .order_by()
                .values("goal")
                .annotate(n=Count("pk"))
                .values("n")[:1]
            ),
        )


def elapsed_fraction(start: date, end: date, today: date) -> float:
    """Share of a span of dates that has passed, 0..1."""
    if today <= start:
        return 0.0
    if today >= end:
        return 1.0
    return (today - start).days / (end - start).days


