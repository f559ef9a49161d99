"""The plan hierarchy, owned by the secretariat: plan → goal → action →
indicator → yearly milestone."""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from actions import measures
from actions.querysets import (
    ActionQuerySet,
    GoalQuerySet,
    IndicatorQuerySet,
    MilestoneQuerySet,
    ParticipationQuerySet,
    PlanQuerySet,
    SustainableDevelopmentGoalQuerySet,
)


class SustainableDevelopmentGoal(models.Model):
    """One of the UN's 17 Sustainable Development Goals, used to tag actions."""

    number = models.PositiveSmallIntegerField(
        primary_key=True, validators=[MinValueValidator(1), MaxValueValidator(17)]
    )
    name = models.CharField(_("name"), max_length=100, help_text=_("The UN's short name, e.g. Climate action."))
    title = models.CharField(
        _("official title"), max_length=300, blank=True,
        help_text=_("The goal's official wording in the 2030 Agenda (A/RES/70/1)."),
    )

    objects = SustainableDevelopmentGoalQuerySet.as_manager()

    class Meta:
        ordering = ["number"]
        verbose_name = _("sustainable development goal")
        verbose_name_plural = _("sustainable development goals")
        constraints = [
            models.CheckConstraint(condition=Q(number__gte=1, number__lte=17), name="sdg_number_1_to_17"),
        ]

    def __str__(self) -> str:
        return f"SDG {self.number}: {self.name}"


class Plan(models.Model):
    """A strategic action plan over a span of years. One plan is the current one."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ACTIVE = "active", _("Active")
        CLOSED = "closed", _("Closed")

    code = models.SlugField(_("code"), max_length=20, unique=True, help_text=_("For example 2021-2023."))
    name = models.CharField(_("name"), max_length=200)
    subtitle = models.CharField(_("subtitle"), max_length=300, blank=True)
    start_date = models.DateField(_("start"))
    end_date = models.DateField(_("end"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    is_current = models.BooleanField(_("current plan"), default=False)
    approved_by = models.CharField(_("approved by"), max_length=300, blank=True)
    basis = models.TextField(_("basis"), blank=True, help_text=_("What the content rests on."))
    translation_note = models.TextField(
        _("note on translations"), blank=True,
        help_text=_("What the French and Spanish texts are, e.g. working translations, not the official wording."),
    )
    carried_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="successors",
        verbose_name=_("carried over from"),
    )
    modified = models.DateTimeField(_("modified"), auto_now=True, db_index=True, editable=False)

    objects = PlanQuerySet.as_manager()

    class Meta:
        ordering = ["-start_date"]
        verbose_name = _("plan")
        verbose_name_plural = _("plans")
        constraints = [
            models.UniqueConstraint(fields=["is_current"], condition=Q(is_current=True), name="one_current_plan"),
            models.CheckConstraint(condition=Q(end_date__gt=F("start_date")), name="plan_end_after_start"),
        ]

    def __str__(self) -> str:
        return self.name


class Goal(models.Model):
    """A goal of a plan; `code` is unique within the plan."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="goals", verbose_name=_("plan"))
    code = models.CharField(_("code"), max_length=10)
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    sdgs = models.ManyToManyField(SustainableDevelopmentGoal, blank=True, related_name="goals", verbose_name=_("SDGs"))
    basis = models.TextField(_("basis"), blank=True)
    retired = models.BooleanField(_("retired"), default=False)
    carried_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="carried_to",
        verbose_name=_("carried over from"),
    )
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    modified = models.DateTimeField(_("modified"), auto_now=True, db_index=True, editable=False)

    # history: registered in actions/translation.py, after the translated fields exist
    objects = GoalQuerySet.as_manager()

    class Meta:
        ordering = ["plan", "order", "code"]
        verbose_name = _("goal")
        verbose_name_plural = _("goals")
        constraints = [
            models.UniqueConstraint(fields=["plan", "code"], name="goal_code_unique_in_plan"),
        ]

    def __str__(self) -> str:
        return f"{self.code}. {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("goal-detail", args=[self.code])


ACTION_WEIGHT_MIN, ACTION_WEIGHT_MAX = 1, 100


class Action(models.Model):
    """An action under a goal; `code` ("1.2") is unique within the plan.

    `plan` is the goal's plan, copied onto the action when it is saved, so that
    the database itself can hold codes unique per plan. `weight` (1-100) is the
    action's share in its goal's and the plan's progress; forms and the API take
    its range from `WEIGHT_MIN` and `WEIGHT_MAX`.

    `version` grows by one on every save through the services, so that a form or
    API client holding an older version can be refused.
    """

    WEIGHT_MIN, WEIGHT_MAX = ACTION_WEIGHT_MIN, ACTION_WEIGHT_MAX

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", _("Not started")
        ON_TRACK = "on_track", _("On track")
        AT_RISK = "at_risk", _("At risk")
        OFF_TRACK = "off_track", _("Off track")
        COMPLETED = "completed", _("Completed")
        CANCELLED = "cancelled", _("Cancelled")

    goal = models.ForeignKey(Goal, on_delete=models.PROTECT, related_name="actions", verbose_name=_("goal"))
    plan = models.ForeignKey(Plan, verbose_name=_("plan"), on_delete=models.PROTECT, related_name="+", editable=False)
    code = models.CharField(_("code"), max_length=10)
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="led_actions",
        verbose_name=_("lead"),
    )
    start_date = models.DateField(_("start"))
    end_date = models.DateField(_("end"))
    participants = models.ManyToManyField(
        "members.Member", through="Participation", blank=True, related_name="actions",
        verbose_name=_("participating members"),
    )
    sdgs = models.ManyToManyField(
        SustainableDevelopmentGoal, blank=True, related_name="actions", verbose_name=_("SDGs")
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.NOT_STARTED)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    weight = models.PositiveSmallIntegerField(
        _("weight"), default=1, validators=[MinValueValidator(WEIGHT_MIN), MaxValueValidator(WEIGHT_MAX)],
        help_text=_("Weight of this action in its goal's and the plan's progress."),
    )
    basis = models.TextField(_("basis"), blank=True)
    retired = models.BooleanField(_("retired"), default=False)
    carried_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="carried_to",
        verbose_name=_("carried over from"),
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    modified = models.DateTimeField(_("modified"), auto_now=True, db_index=True, editable=False)

    # history: registered in actions/translation.py, after the translated fields exist
    objects = ActionQuerySet.as_manager()

    class Meta:
        ordering = ["goal__plan", "goal__order", "order", "code"]
        verbose_name = _("action")
        verbose_name_plural = _("actions")
        constraints = [
            models.UniqueConstraint(fields=["plan", "code"], name="action_code_unique_in_plan"),
            models.CheckConstraint(condition=Q(end_date__gte=F("start_date")), name="action_end_after_start"),
            models.CheckConstraint(
                condition=Q(weight__gte=ACTION_WEIGHT_MIN, weight__lte=ACTION_WEIGHT_MAX), name="action_weight_1_to_100"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    def save(self, *args, **kwargs):
        # keep the copy of the goal's plan true, whichever path saves the action
        if self.goal_id is not None:
            self.plan_id = self.goal.plan_id
            update_fields = kwargs.get("update_fields")
            if update_fields is not None and "goal" in update_fields:
                kwargs["update_fields"] = {*update_fields, "plan"}
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("action-detail", args=[self.code])


class Participation(models.Model):
    """A member taking part in an action: it is expected to report on it."""

    action = models.ForeignKey(Action, verbose_name=_("action"),
                               on_delete=models.CASCADE, related_name="participations")
    member = models.ForeignKey("members.Member", verbose_name=_("member"),
                               on_delete=models.CASCADE, related_name="participations")
    is_demo = models.BooleanField(
        _("demo data"), default=False, help_text=_("Assigned by the demo seed, not by the secretariat.")
    )

    history = HistoricalRecords()

    objects = ParticipationQuerySet.as_manager()

    class Meta:
        verbose_name = _("participation")
        verbose_name_plural = _("participations")
        constraints = [
            models.UniqueConstraint(fields=["action", "member"], name="participation_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.member} in {self.action.code}"


class Indicator(models.Model):
    """A measurable result of an action, from a baseline towards a target.

    Its `measure` says what a value is (actions/measures.py checks each value a
    person gives); `across`, `over_time`, `threshold` and `carry_forward` say
    how members' values add up into the network's figure (the figures engine,
    reporting/figures/rules.py)."""

    class Direction(models.TextChoices):
        INCREASE = "increase", _("Increase")
        DECREASE = "decrease", _("Decrease")

    class Measure(models.TextChoices):
        COUNT = "count", _("Count")
        PERCENTAGE = "percentage", _("Percentage")
        RATIO = "ratio", _("Ratio (numerator / denominator)")
        CURRENCY = "currency", _("Amount of money")
        YES_NO = "yes_no", _("Yes or no")
        QUALITATIVE = "qualitative", _("Qualitative (a fixed scale)")

    class Across(models.TextChoices):
        SUM = "sum", _("Sum of members' values")
        MEAN = "mean", _("Mean of members' values")
        MEDIAN = "median", _("Median of members' values")
        SHARE = "share", _("Share of members reaching the threshold")

    class OverTime(models.TextChoices):
        PERIOD = "period", _("The period's value")
        CUMULATIVE = "cumulative", _("Cumulative (running total)")
        LATEST = "latest", _("Latest value to date")

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="indicators", verbose_name=_("action"))
    code = models.CharField(_("code"), max_length=15, help_text=_("Unique within the action, e.g. 3.1.a."))
    name = models.CharField(_("name"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    unit = models.CharField(_("unit"), max_length=50)
    baseline = models.DecimalField(_("baseline"), max_digits=14, decimal_places=2)
    target = models.DecimalField(_("target"), max_digits=14, decimal_places=2)
    direction = models.CharField(_("direction"), max_length=10, choices=Direction.choices, default=Direction.INCREASE)
    measure = models.CharField(_("measure"), max_length=12, choices=Measure.choices, default=Measure.COUNT)
    decimals = models.PositiveSmallIntegerField(
        _("decimals shown"), null=True, blank=True, validators=[MaxValueValidator(2)],
        help_text=_("Empty: none for counts, yes/no and scales, one for percentages, two otherwise."),
    )
    scale = models.JSONField(
        _("scale"), default=list, blank=True,
        help_text=_("For a qualitative indicator: its steps in order, e.g. not started, in progress, achieved."),
    )
    across = models.CharField(
        _("across members"), max_length=10, choices=Across.choices, default=Across.MEAN,
        help_text=_("How members' values of one period add up into the network's value."),
    )
    over_time = models.CharField(
        _("over time"), max_length=12, choices=OverTime.choices, default=OverTime.PERIOD,
        help_text=_("Whether the network's value is the period's, a running total, or the latest to date."),
    )
    threshold = models.DecimalField(
        _("threshold"), max_digits=14, decimal_places=2, null=True, blank=True,
        help_text=_("For the share of members reaching it: the value a member must reach."),
    )
    carry_forward = models.PositiveSmallIntegerField(
        _("periods carried forward"), default=1,
        help_text=_("A member that did not report counts with its latest approved value for this many periods."),
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    basis = models.TextField(_("basis"), blank=True)
    retired = models.BooleanField(_("retired"), default=False)
    # What a value must be split into (actions/disaggregation.py).
    by_sex = models.BooleanField(
        _("values by sex"), default=False,
        help_text=_("Ask for each value split into women, men, other or not stated."),
    )
    by_age = models.BooleanField(
        _("values by age group"), default=False,
        help_text=_("Ask for each value split into youth (under 30) and other ages."),
    )
    jump_factor = models.DecimalField(
        _("jump factor"), max_digits=6, decimal_places=2, default=Decimal("3"),
        validators=[MinValueValidator(Decimal("1.01"))],
        help_text=_("A value more than this many times (or less than its inverse) the member's previous approved "
                    "value is flagged for review."),
    )
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    modified = models.DateTimeField(_("modified"), auto_now=True, db_index=True, editable=False)

    # history: registered in actions/translation.py, after the translated fields exist
    objects = IndicatorQuerySet.as_manager()

    class Meta:
        ordering = ["action", "order", "code"]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        constraints = [
            models.UniqueConstraint(fields=["action", "code"], name="indicator_code_unique_in_action"),
            models.CheckConstraint(condition=~Q(target=F("baseline")), name="indicator_target_differs_from_baseline"),
            models.CheckConstraint(
                condition=(Q(direction="increase", target__gt=F("baseline")))
                | Q(direction="decrease", target__lt=F("baseline")),
                name="indicator_target_matches_direction",
            ),
            models.CheckConstraint(condition=Q(jump_factor__gt=1), name="indicator_jump_factor_above_one"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    # How its values are read and add up (actions/measures.py, reporting/figures/rules.py): editable by staff.
    RULE_FIELDS = ("measure", "decimals", "scale", "across", "over_time", "threshold", "carry_forward")

    def clean(self):
        super().clean()
        if self.across == self.Across.SHARE and self.threshold is None:
            raise ValidationError({"threshold": _("Give the threshold members must reach.")})
        if self.measure == self.Measure.QUALITATIVE and len(self.scale or []) < 2:
            raise ValidationError({"scale": _("Give at least two steps of the scale.")})

    def clean_value(self, raw, *, numerator=None, denominator=None, language: str | None):
        """(value, numerator, denominator) checked against the measure, or a
        ValidationError naming the field (actions/measures.py)."""
        return measures.clean_value(self, raw, numerator=numerator, denominator=denominator, language=language)

    @property
    def ratio_scale(self) -> int:
        return measures.ratio_scale(self)

    @property
    def display_decimals(self) -> int:
        return measures.display_decimals(self)

    def step_name(self, value) -> str:
        """A qualitative value's step ("in progress"), else ""."""
        if self.measure != self.Measure.QUALITATIVE or value is None:
            return ""
        index = int(round(float(value)))
        steps = list(self.scale or [])
        return str(steps[index]) if 0 <= index < len(steps) else ""


class Milestone(models.Model):
    """A value an indicator should reach by the end of a given year."""

    indicator = models.ForeignKey(Indicator, verbose_name=_("indicator"),
                                  on_delete=models.CASCADE, related_name="milestones")
    year = models.PositiveSmallIntegerField(_("year"))
    value = models.DecimalField(_("value"), max_digits=14, decimal_places=2)

    objects = MilestoneQuerySet.as_manager()

    class Meta:
        ordering = ["indicator", "year"]
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        constraints = [
            models.UniqueConstraint(fields=["indicator", "year"], name="milestone_one_per_year"),
        ]

    def __str__(self) -> str:
        return f"{self.indicator.code} {self.year}: {self.value}"
