"""The yardstick "plain DRF": the nine API lists as a typical team would write
them, for bench.api to time next to the real endpoints (never routed by the site).

Each is a `ModelViewSet` with a `ModelSerializer`, `select_related` and
`prefetch_related` for the related rows, DRF's default filter backends and the
site's pagination and token authentication (settings.REST_FRAMEWORK), and the
same fields as the endpoint. The figures are computed per object, the simple
way: a `SerializerMethodField` that asks the ORM, following the rules of
DESIGN.md ("Derived figures"). Nothing here is imported from the app's read
paths; only its models.
"""

from datetime import date
from statistics import mean

from django.db.models import Avg, Prefetch
from django.urls import reverse
from django.utils import timezone
from rest_framework import routers, serializers, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from actions.models import Action, Goal, Indicator, Participation, Plan
from members.models import Member, Membership, Region
from reporting.models import Evidence, IndicatorValue, PeriodReopening, ProgressUpdate, Report, ReportingPeriod

STATUS_PROGRESS = {"completed": 1.0, "not_started": 0.0}
EXCUSING = {Membership.Standing.SUSPENDED, Membership.Standing.LEFT, Membership.Standing.EXEMPTED}


# --- the figures, per object -----------------------------------------------------------

def latest_value(indicator):
    """Mean of the approved values in the newest period that has any."""
    values = IndicatorValue.objects.filter(
        indicator=indicator, update__action_id=indicator.action_id, update__state="approved", value__isnull=False
    )
    newest = values.order_by("-update__period__end").values_list("update__period__end", flat=True).first()
    if newest is None:
        return None
    return values.filter(update__period__end=newest).aggregate(mean=Avg("value"))["mean"]


def indicator_progress(indicator, latest=...) -> float:
    latest = latest_value(indicator) if latest is ... else latest
    if latest is None:
        return 0.0
    ratio = (float(latest) - float(indicator.baseline)) / (float(indicator.target) - float(indicator.baseline))
    return min(1.0, max(0.0, ratio))


def action_progress(action) -> float:
    indicators = [indicator for indicator in action.indicators.all() if not indicator.retired]
    if indicators:
        return mean(indicator_progress(indicator) for indicator in indicators)
    return STATUS_PROGRESS.get(action.status, 0.5)


def weighted_progress(actions) -> float | None:
    counted = [action for action in actions if not action.retired and action.status != "cancelled"]
    weights = sum(action.weight for action in counted)
    if not weights:
        return None
    return sum(action_progress(action) * action.weight for action in counted) / weights


def latest_due_period():
    plan = Plan.objects.order_by("-is_current", "-start_date").first()
    return ReportingPeriod.objects.filter(plan=plan, deadline__lt=timezone.localdate()).order_by("-end").first()


def expected(member, period) -> bool:
    spans = [span for span in member.memberships.all()
             if span.start <= period.end and (span.end is None or span.end >= period.start)]
    return any(span.standing == Membership.Standing.ACTIVE for span in spans) and not any(
        span.standing in EXCUSING for span in spans)


def compliance(members, period, today: date) -> dict | None:
    """Outcome counts of the members' expected updates in `period`."""
    if period is None:
        return None
    counts = dict.fromkeys(("expected", "on_time", "late", "excused", "missing", "due"), 0)
    for member in members:
        if not expected(member, period):
            continue
        actions = {participation.action_id for participation in member.participations.all()
                   if participation.action.goal.plan_id == period.plan_id and not participation.action.retired
                   and participation.action.status != "cancelled"
                   and participation.action.start_date <= period.end and participation.action.end_date >= period.start}
        if not actions:
            continue
        sent = dict(ProgressUpdate.objects.filter(member=member, period=period, action_id__in=actions)
                    .values_list("action_id", "first_submitted_at"))
        extended = PeriodReopening.objects.filter(member=member, period=period, state="granted").order_by("-until")
        until = extended.values_list("until", flat=True).first()
        for action_id in actions:
            counts["expected"] += 1
            first = sent.get(action_id)
            if first is None:
                counts["due" if today <= period.deadline else "missing"] += 1
            elif timezone.localdate(first) <= period.deadline:
                counts["on_time"] += 1
            elif until is not None and timezone.localdate(first) <= until:
                counts["excused"] += 1
            else:
                counts["late"] += 1
    denominator = counts["expected"] - counts["due"] - counts["excused"]
    rate = counts["on_time"] / denominator if denominator > 0 else None
    return {"period": period.code, **counts, "rate": rate}


# --- serializers ---------------------------------------------------------------------------

class PlanSerializer(serializers.ModelSerializer):
    progress = serializers.SerializerMethodField()
    goal_count = serializers.SerializerMethodField()
    action_count = serializers.SerializerMethodField()

    class Meta:
        model = Plan
        fields = ["code", "name", "subtitle", "start_date", "end_date", "status", "is_current", "progress",
                  "goal_count", "action_count"]

    def get_progress(self, plan):
        return weighted_progress(Action.objects.filter(goal__plan=plan).prefetch_related("indicators"))

    def get_goal_count(self, plan):
        return plan.goals.filter(retired=False).count()

    def get_action_count(self, plan):
        return Action.objects.filter(goal__plan=plan, retired=False).count()


class GoalSerializer(serializers.ModelSerializer):
    plan = serializers.CharField(source="plan.code")
    sdgs = serializers.SlugRelatedField(slug_field="number", many=True, read_only=True)
    progress = serializers.SerializerMethodField()
    action_count = serializers.SerializerMethodField()

    class Meta:
        model = Goal
        fields = ["code", "plan", "title", "description", "order", "sdgs", "retired", "version", "progress",
                  "action_count"]

    def get_progress(self, goal):
        return weighted_progress(goal.actions.all())

    def get_action_count(self, goal):
        return sum(1 for action in goal.actions.all() if not action.retired) or None


class ActionSerializer(serializers.ModelSerializer):
    goal = serializers.CharField(source="goal.code")
    plan = serializers.CharField(source="goal.plan.code")
    lead = serializers.CharField(source="lead.username", default=None)
    sdgs = serializers.SlugRelatedField(slug_field="number", many=True, read_only=True)
    members = serializers.SlugRelatedField(source="participants", slug_field="slug", many=True, read_only=True)
    indicator_count = serializers.SerializerMethodField()
    progress = serializers.SerializerMethodField()

    class Meta:
        model = Action
        fields = ["code", "goal", "plan", "title", "description", "lead", "start_date", "end_date", "status",
                  "weight", "order", "retired", "sdgs", "members", "indicator_count", "progress", "version"]

    def get_indicator_count(self, action):
        return sum(1 for indicator in action.indicators.all() if not indicator.retired)

    def get_progress(self, action):
        return action_progress(action)


class MilestoneSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    value = serializers.DecimalField(max_digits=14, decimal_places=2)


class IndicatorSerializer(serializers.ModelSerializer):
    action = serializers.CharField(source="action.code")
    plan = serializers.CharField(source="action.goal.plan.code")
    milestones = MilestoneSerializer(many=True, read_only=True)
    latest_value = serializers.SerializerMethodField()
    progress = serializers.SerializerMethodField()

    class Meta:
        model = Indicator
        fields = ["id", "code", "action", "plan", "name", "description", "unit", "baseline", "target", "direction",
                  "retired", "milestones", "latest_value", "progress", "version"]

    def get_latest_value(self, indicator):
        value = latest_value(indicator)
        return None if value is None else serializers.DecimalField(max_digits=14, decimal_places=2).to_representation(
            value)

    def get_progress(self, indicator):
        return indicator_progress(indicator)


class RegionSerializer(serializers.ModelSerializer):
    member_count = serializers.SerializerMethodField()
    compliance = serializers.SerializerMethodField()

    class Meta:
        model = Region
        fields = ["slug", "name", "order", "member_count", "compliance"]

    def get_member_count(self, region):
        return len(region.members.all())

    def get_compliance(self, region):
        return compliance(region.members.all(), self.context["period"], timezone.localdate())


class MemberSerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region.slug")
    compliance = serializers.SerializerMethodField()

    class Meta:
        model = Member
        fields = ["slug", "name", "country", "country_code", "region", "membership_type", "latitude", "longitude",
                  "confidence", "source", "version", "compliance"]

    def get_compliance(self, member):
        return compliance([member], self.context["period"], timezone.localdate())


class PeriodSerializer(serializers.ModelSerializer):
    plan = serializers.CharField(source="plan.code")
    update_count = serializers.SerializerMethodField()
    submitted_count = serializers.SerializerMethodField()
    approved_count = serializers.SerializerMethodField()
    compliance = serializers.SerializerMethodField()

    class Meta:
        model = ReportingPeriod
        fields = ["code", "plan", "start", "end", "deadline", "is_open", "version", "update_count",
                  "submitted_count", "approved_count", "compliance"]

    def get_update_count(self, period):
        return period.updates.count()

    def get_submitted_count(self, period):
        return period.updates.exclude(state="draft").count()

    def get_approved_count(self, period):
        return period.updates.filter(state="approved").count()

    def get_compliance(self, period):
        return None  # given on the detail only


class IndicatorValueSerializer(serializers.ModelSerializer):
    indicator_code = serializers.CharField(source="indicator.code")
    reason = serializers.CharField(source="not_available_reason")

    class Meta:
        model = IndicatorValue
        fields = ["indicator", "indicator_code", "value", "not_available", "reason"]


class EvidenceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Evidence
        fields = ["id", "title", "url", "file", "added_at"]


class UpdateSerializer(serializers.ModelSerializer):
    member = serializers.CharField(source="member.slug")
    action = serializers.CharField(source="action.code")
    period = serializers.CharField(source="period.code")
    plan = serializers.CharField(source="period.plan.code")
    values = IndicatorValueSerializer(many=True, read_only=True)
    evidence = EvidenceSerializer(many=True, read_only=True)
    submitted_by = serializers.CharField(source="submitted_by.username", default=None)
    reviewed_by = serializers.CharField(source="reviewed_by.username", default=None)
    timeliness = serializers.SerializerMethodField()

    class Meta:
        model = ProgressUpdate
        fields = ["id", "member", "action", "period", "plan", "state", "status", "narrative", "no_change", "values",
                  "evidence", "reviewer_comment", "created", "modified", "first_submitted_at", "submitted_at",
                  "submitted_by", "reviewed_at", "reviewed_by", "timeliness", "version", "is_demo"]

    def get_timeliness(self, update):
        if update.first_submitted_at is None:
            return None
        submitted_on = timezone.localdate(update.first_submitted_at)
        if submitted_on <= update.period.deadline:
            return "on_time"
        if PeriodReopening.objects.filter(period=update.period, member=update.member, state="granted",
                                          until__gte=submitted_on).exists():
            return "excused"
        return "late"


class ReportSerializer(serializers.ModelSerializer):
    plan = serializers.CharField(source="plan.code")
    period = serializers.CharField(source="period.code")
    requested_by = serializers.CharField(source="requested_by.username", default=None)
    files = serializers.SerializerMethodField()

    class Meta:
        model = Report
        fields = ["id", "plan", "kind", "period", "as_of", "state", "failure_reason", "attempts", "corrects",
                  "correction_note", "requested_by", "created", "started_at", "finished_at", "files"]

    def get_files(self, report):
        request = self.context["request"]

        def url(fmt, present):
            # Private files have no storage URL: they are downloaded through the API's checked view.
            path = reverse("api-report-file", kwargs={"pk": report.pk, "format": fmt})
            return request.build_absolute_uri(path) if present else None

        return {"html": url("html", report.html), "pdf": url("pdf", report.pdf), "xlsx": url("xlsx", report.xlsx),
                "csv": url("csv", report.csv)}


# --- viewsets --------------------------------------------------------------------------------

def current_plan():
    return Plan.objects.order_by("-is_current", "-start_date").first()


class PlanViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Plan.objects.all()
    serializer_class = PlanSerializer


class GoalViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = GoalSerializer

    def get_queryset(self):
        return Goal.objects.filter(plan=current_plan()).select_related("plan").prefetch_related(
            "sdgs", "actions__indicators")


class ActionViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = ActionSerializer

    def get_queryset(self):
        return Action.objects.filter(goal__plan=current_plan()).select_related("goal__plan", "lead").prefetch_related(
            "sdgs", Prefetch("participants", queryset=Member.objects.order_by("slug")), "indicators")


class IndicatorViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = IndicatorSerializer

    def get_queryset(self):
        return Indicator.objects.filter(action__goal__plan=current_plan()).select_related(
            "action__goal__plan").prefetch_related("milestones")


class ComplianceContext:
    def get_serializer_context(self):
        return {**super().get_serializer_context(), "period": latest_due_period()}


class MemberViewSet(ComplianceContext, viewsets.ReadOnlyModelViewSet):
    serializer_class = MemberSerializer
    queryset = Member.objects.select_related("region").prefetch_related(
        "memberships", Prefetch("participations", queryset=Participation.objects.select_related("action__goal")))


class RegionViewSet(ComplianceContext, viewsets.ReadOnlyModelViewSet):
    serializer_class = RegionSerializer
    queryset = Region.objects.prefetch_related(
        "members__memberships",
        Prefetch("members__participations", queryset=Participation.objects.select_related("action__goal")))


class PeriodViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = PeriodSerializer

    def get_queryset(self):
        return ReportingPeriod.objects.filter(plan=current_plan()).select_related("plan")


class UpdateViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = UpdateSerializer

    def get_queryset(self):
        return (
            ProgressUpdate.objects.filter(period__plan=current_plan())
            .select_related("member", "action", "period__plan", "submitted_by", "reviewed_by")
            .prefetch_related(Prefetch("values", queryset=IndicatorValue.objects.select_related("indicator")),
                              "evidence")
        )


class ReportViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = ReportSerializer

    def get_queryset(self):
        return Report.objects.filter(plan=current_plan()).select_related("plan", "period", "requested_by")


class EmptyView(APIView):
    """The floor of the stack: an authenticated, throttled, permitted GET that
    reads nothing and answers `{"results": []}` (middleware, token
    authentication, throttling, permissions, JSON)."""

    def get(self, request):
        return Response({"count": 0, "next": None, "previous": None, "results": []})


router = routers.SimpleRouter()
for name, viewset in {
    "plans": PlanViewSet, "goals": GoalViewSet, "actions": ActionViewSet, "indicators": IndicatorViewSet,
    "members": MemberViewSet, "regions": RegionViewSet, "periods": PeriodViewSet, "updates": UpdateViewSet,
    "reports": ReportViewSet,
}.items():
    router.register(name, viewset, basename=f"plain-{name}")
