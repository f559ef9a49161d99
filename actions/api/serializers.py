"""The plan as integrators read it. Figures (`progress`, counts) are queryset
annotations (actions/api/selectors.py), never per-row queries."""

from decimal import Decimal

from django.conf import settings
from django.utils.translation import get_language_info
from django.utils.translation import gettext as _
from rest_framework import serializers

from actions.models import Action, Goal, Indicator, Milestone, Plan
from metroplan.api.explain import explain_field

PROGRESS_HELP = "0..1, computed from approved indicator values (DESIGN.md, Derived figures)."


LANGUAGE_CODES = tuple(code for code, _name in settings.LANGUAGES)


def in_every_language(*names: str) -> list[str]:
    """The API names of content fields: each as `name` (the request's language)
    then `name_en`, `name_fr`, `name_es` (django-modeltranslation's columns)."""
    return [f"{name}{suffix}" for name in names for suffix in ("", *(f"_{code}" for code in LANGUAGE_CODES))]


class ContentTextField(serializers.CharField):
    """A content text, "" where there is none (a translation column is null
    until someone writes it)."""

    def get_attribute(self, instance):
        return super().get_attribute(instance) or ""


class InEveryLanguageMixin:
    """Content fields (`Meta.translated`) in the request's language, falling
    back to English where that language has no text, and in each language."""

    def get_fields(self):
        fields = super().get_fields()
        for name in self.Meta.translated:
            fields[name] = ContentTextField(read_only=True, help_text=(
                f"The {name} in the request's language (Accept-Language); in English where that language has none."
            ))
            for code in LANGUAGE_CODES:
                language = get_language_info(code)["name"]
                fields[f"{name}_{code}"] = ContentTextField(
                    read_only=True, help_text=f'The {name} in {language}; "" where there is none.'
                )
        return fields


def progress_field(**kwargs):
    return serializers.FloatField(read_only=True, allow_null=True, help_text=PROGRESS_HELP, **kwargs)


class PlanSerializer(InEveryLanguageMixin, serializers.ModelSerializer):
    progress = progress_field()
    explain = explain_field()
    goal_count = serializers.IntegerField(read_only=True)
    action_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Plan
        translated = ("name", "subtitle")
        fields = [
            "code", *in_every_language(*translated), "start_date", "end_date", "status", "is_current",
            "progress", "explain", "goal_count", "action_count",
            "modified",
        ]
        read_only_fields = fields


class SdgNumbersField(serializers.ListField):
    child = serializers.IntegerField(min_value=1, max_value=17)

    def to_representation(self, data):
        return [sdg.number for sdg in data.all()]


class GoalSerializer(InEveryLanguageMixin, serializers.ModelSerializer):
    plan = serializers.CharField(source="plan.code", read_only=True)
    sdgs = SdgNumbersField(read_only=True)
    progress = progress_field()
    explain = explain_field()
    action_count = serializers.IntegerField(read_only=True, allow_null=True)

    class Meta:
        model = Goal
        translated = ("title", "description")
        fields = [
            "code", "plan", *in_every_language(*translated), "order", "sdgs", "retired", "version",
            "progress", "explain", "action_count",
            "modified",
        ]
        read_only_fields = fields


class ActionSerializer(InEveryLanguageMixin, serializers.ModelSerializer):
    goal = serializers.CharField(source="goal.code", read_only=True)
    plan = serializers.CharField(source="goal.plan.code", read_only=True)
    lead = serializers.CharField(source="lead.username", read_only=True, allow_null=True, default=None)
    # Lists the view attaches for the page (ActionViewSet.annotate_objects).
    sdgs = serializers.ListField(child=serializers.IntegerField(min_value=1, max_value=17), source="sdg_numbers",
                                 read_only=True)
    members = serializers.ListField(child=serializers.SlugField(), source="member_slugs", read_only=True,
                                    help_text="Slugs of the taking-part members (in a list, only with "
                                    "`expand=members`; `members_url` pages them).")
    member_count = serializers.IntegerField(read_only=True, help_text="How many members take part.")
    members_url = serializers.URLField(read_only=True, help_text="The taking-part members, a page at a time.")
    indicator_count = serializers.IntegerField(read_only=True)
    progress = progress_field()
    explain = explain_field()

    class Meta:
        model = Action
        translated = ("title", "description")
        fields = [
            "code", "goal", "plan", *in_every_language(*translated), "lead", "start_date", "end_date",
            "status", "weight", "order", "retired", "sdgs", "members", "member_count", "members_url",
            "indicator_count", "progress", "explain", "version",
            "modified",
        ]
        read_only_fields = fields


class ActionListSerializer(ActionSerializer):
    """An action in a list: the number of its members and a link to them,
    not their slugs (a list's rows do not grow with the network); with
    `expand=members` the rows are ActionSerializer's, slugs included."""

    class Meta(ActionSerializer.Meta):
        fields = [name for name in ActionSerializer.Meta.fields if name != "members"]
        read_only_fields = fields


class ActionMemberSerializer(serializers.Serializer):
    """A member taking part in an action."""

    slug = serializers.SlugField(read_only=True)
    name = serializers.CharField(read_only=True)
    region = serializers.CharField(read_only=True, source="region__slug", help_text="The region's slug.")


class MilestoneSerializer(serializers.ModelSerializer):
    class Meta:
        model = Milestone
        fields = ["year", "value"]
        read_only_fields = fields


class IndicatorSerializer(InEveryLanguageMixin, serializers.ModelSerializer):
    action = serializers.CharField(source="action.code", read_only=True)
    plan = serializers.CharField(source="action.goal.plan.code", read_only=True)
    milestones = MilestoneSerializer(many=True, read_only=True)
    latest_value = serializers.DecimalField(
        max_digits=14, decimal_places=2, read_only=True, allow_null=True,
        help_text="The network's latest value, added up by the indicator's rule (see explain).",
    )
    progress = progress_field()
    explain = explain_field()

    class Meta:
        model = Indicator
        translated = ("name", "description", "unit")
        fields = [
            "id", "code", "action", "plan", *in_every_language(*translated), "baseline", "target",
            "direction", "measure", "decimals", "scale", "across", "over_time", "threshold", "carry_forward",
            "by_sex", "by_age", "jump_factor", "retired", "milestones", "latest_value", "progress", "explain",
            "version",
            "modified",
        ]
        read_only_fields = fields



# --- writes (secretariat staff) ---------------------------------------------------
#
# Shape only: types, lengths, choices, and codes/slugs/usernames resolved to
# objects. Every rule (unique codes, dates, target against baseline, who may
# lead) is in actions.services, whose ValidationError comes back as a 400 with
# the same field names.

VERSION_HELP = "The version you read; or send its ETag in If-Match."


def version_field():
    return serializers.IntegerField(min_value=0, required=False, help_text=VERSION_HELP)


class DescriptionFields(serializers.Serializer):
    description_en = serializers.CharField(allow_blank=True, max_length=20000, help_text="In English.")
    description_fr = serializers.CharField(allow_blank=True, max_length=20000, help_text="In French.")
    description_es = serializers.CharField(allow_blank=True, max_length=20000, help_text="In Spanish.")


class TitleFields(DescriptionFields):
    title_en = serializers.CharField(max_length=300, help_text="The title in English (required).")
    title_fr = serializers.CharField(allow_blank=True, max_length=300, help_text="In French.")
    title_es = serializers.CharField(allow_blank=True, max_length=300, help_text="In Spanish.")


class NameFields(DescriptionFields):
    name_en = serializers.CharField(max_length=300, help_text="The name in English (required).")
    name_fr = serializers.CharField(allow_blank=True, max_length=300, help_text="In French.")
    name_es = serializers.CharField(allow_blank=True, max_length=300, help_text="In Spanish.")


class OptionalOnCreateMixin:
    """On create, the fields named in `optional_on_create` may be left out
    (the service's default applies); on PUT every field is given."""

    optional_on_create: tuple[str, ...] = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.optional_on_create:
            if name in self.fields:
                self.fields[name].required = False


class PlanFromContextMixin:
    """The plan a write is about: the object's, or the body's `plan`, or the
    request's (`?plan=`, else the current plan)."""

    def target_plan(self, attrs):
        instance = self.context.get("instance")
        if instance is not None:
            return self.plan_of(instance)
        plan = attrs.get("plan")
        if plan is None:
            view = self.context.get("view")
            plan = view.request_plan() if view is not None else Plan.objects.current()
        if plan is None:
            raise serializers.ValidationError({"plan": [_("There is no current plan; name one.")]})
        return plan

    @staticmethod
    def plan_of(instance):  # pragma: no cover - subclasses say
        raise NotImplementedError


def plan_code_field():
    return serializers.SlugRelatedField(
        slug_field="code", queryset=Plan.objects.all(), required=False,
        help_text="Code of the plan; the current plan when not given.",
    )


class GoalWriteSerializer(PlanFromContextMixin, TitleFields):
    code = serializers.CharField(max_length=10)
    order = serializers.IntegerField(min_value=0, max_value=32767)
    sdgs = serializers.ListField(child=serializers.IntegerField(min_value=1, max_value=17), help_text="UN SDGs, 1-17.")
    retired = serializers.BooleanField(help_text="A retired goal stays, greyed out, with its actions.")
    version = version_field()

    @staticmethod
    def plan_of(goal):
        return goal.plan


class GoalCreateSerializer(OptionalOnCreateMixin, GoalWriteSerializer):
    plan = plan_code_field()
    retired = None
    version = None
    optional_on_create = ("title_fr", "title_es", "description_en", "description_fr", "description_es", "order", "sdgs")

    def validate(self, attrs):
        return {**attrs, "plan": self.target_plan(attrs)}


class ActionWriteSerializer(PlanFromContextMixin, TitleFields):
    goal = serializers.CharField(max_length=10, help_text="Code of the goal (in the action's plan).")
    code = serializers.CharField(max_length=10)
    lead = serializers.CharField(
        allow_null=True, max_length=150, help_text="Username of a secretariat member; null for none."
    )
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    status = serializers.ChoiceField(choices=Action.Status.choices)
    weight = serializers.IntegerField(min_value=Action.WEIGHT_MIN, max_value=Action.WEIGHT_MAX)
    order = serializers.IntegerField(min_value=0, max_value=32767)
    sdgs = serializers.ListField(child=serializers.IntegerField(min_value=1, max_value=17), help_text="UN SDGs, 1-17.")
    members = serializers.ListField(
        child=serializers.SlugField(), help_text="Slugs of the taking-part members: the complete set."
    )
    retired = serializers.BooleanField(help_text="A retired action keeps its updates and leaves progress.")
    version = version_field()

    @staticmethod
    def plan_of(action):
        return action.goal.plan

    def validate(self, attrs):
        from django.contrib.auth import get_user_model

        from members.models import Member

        plan = self.target_plan(attrs)
        errors = {}
        if "goal" in attrs:
            goal = Goal.objects.filter(plan=plan, code=attrs["goal"]).first()
            if goal is None:
                errors["goal"] = [_("Plan %(plan)s has no goal %(code)s.") % {"plan": plan.code, "code": attrs["goal"]}]
            attrs["goal"] = goal
        if attrs.get("lead"):
            lead = get_user_model().objects.filter(username=attrs["lead"]).first()
            if lead is None:
                errors["lead"] = [_("No user is called %(name)s.") % {"name": attrs["lead"]}]
            attrs["lead"] = lead
        elif "lead" in attrs:
            attrs["lead"] = None
        if "members" in attrs:
            slugs = set(attrs["members"])
            found = dict(Member.objects.filter(slug__in=slugs).values_list("slug", "pk"))
            unknown = sorted(slugs - set(found))
            if unknown:
                errors["members"] = [_("No member has the slug %(slugs)s.") % {"slugs": ", ".join(unknown)}]
            attrs["members"] = sorted(found.values())
        if errors:
            raise serializers.ValidationError(errors)
        attrs.pop("plan", None)
        return attrs


class ActionCreateSerializer(OptionalOnCreateMixin, ActionWriteSerializer):
    plan = plan_code_field()
    retired = None
    version = None
    optional_on_create = (
        "title_fr", "title_es", "description_en", "description_fr", "description_es", "lead", "status", "weight",
        "order", "sdgs", "members",
    )


class MilestoneWriteSerializer(serializers.Serializer):
    year = serializers.IntegerField(min_value=1900, max_value=2200)
    value = serializers.DecimalField(max_digits=14, decimal_places=2)


class IndicatorWriteSerializer(NameFields):
    code = serializers.CharField(max_length=15)
    unit = serializers.CharField(max_length=50)
    baseline = serializers.DecimalField(max_digits=14, decimal_places=2)
    target = serializers.DecimalField(max_digits=14, decimal_places=2)
    direction = serializers.ChoiceField(choices=Indicator.Direction.choices)
    by_sex = serializers.BooleanField(required=False,
                                      help_text="Values are asked by sex (women, men, other or not stated).")
    by_age = serializers.BooleanField(required=False,
                                      help_text="Values are asked by age group (youth under 30, other ages).")
    jump_factor = serializers.DecimalField(
        max_digits=6, decimal_places=2, min_value=Decimal("1.01"), required=False,
        help_text="A value more than this many times the member's previous approved value is flagged for review.",
    )
    measure = serializers.ChoiceField(choices=Indicator.Measure.choices, required=False, help_text="What a value is.")
    decimals = serializers.IntegerField(
        min_value=0, max_value=2, allow_null=True, required=False,
        help_text="Decimals shown; null: none for counts, yes/no and scales, one for percentages, two otherwise.",
    )
    scale = serializers.ListField(
        child=serializers.CharField(max_length=100), max_length=10, required=False,
        help_text="A qualitative indicator's steps, in order.",
    )
    across = serializers.ChoiceField(choices=Indicator.Across.choices, required=False,
                                     help_text="How members' values of one period add up.")
    over_time = serializers.ChoiceField(choices=Indicator.OverTime.choices, required=False,
                                        help_text="The period's value, a running total, or the latest to date.")
    threshold = serializers.DecimalField(
        max_digits=14, decimal_places=2, allow_null=True, required=False,
        help_text="For the share of members reaching it: the value a member must reach.",
    )
    carry_forward = serializers.IntegerField(
        min_value=0, max_value=12, required=False,
        help_text="A member that did not report counts with its latest approved value for this many periods.",
    )
    order = serializers.IntegerField(min_value=0, max_value=32767)
    milestones = MilestoneWriteSerializer(many=True, help_text="Per-year milestones: the complete set.")
    retired = serializers.BooleanField(help_text="A retired indicator keeps its values and leaves progress.")
    version = version_field()

    def validate_milestones(self, entries):
        years = [entry["year"] for entry in entries]
        duplicates = sorted({year for year in years if years.count(year) > 1})
        if duplicates:
            raise serializers.ValidationError(
                _("Year %(years)s is given twice.") % {"years": ", ".join(map(str, duplicates))}
            )
        return {entry["year"]: entry["value"] for entry in entries}


class IndicatorCreateSerializer(PlanFromContextMixin, OptionalOnCreateMixin, IndicatorWriteSerializer):
    plan = plan_code_field()
    action = serializers.CharField(max_length=10, help_text="Code of the action the indicator measures.")
    retired = None
    version = None
    optional_on_create = (
        "name_fr", "name_es", "description_en", "description_fr", "description_es", "direction", "order",
        "milestones", "by_sex", "by_age", "jump_factor",
    )

    def validate(self, attrs):
        plan = self.target_plan(attrs)
        action = Action.objects.filter(goal__plan=plan, code=attrs["action"]).first()
        if action is None:
            raise serializers.ValidationError(
                {"action": [_("Plan %(plan)s has no action %(code)s.") % {"plan": plan.code, "code": attrs["action"]}]}
            )
        attrs.pop("plan", None)
        return {**attrs, "action": action}
