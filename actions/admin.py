from django.contrib import admin
from modeltranslation.admin import TranslationAdmin
from simple_history.admin import SimpleHistoryAdmin

from actions.models import Action, Goal, Indicator, Milestone, Participation, Plan, SustainableDevelopmentGoal


@admin.register(SustainableDevelopmentGoal)
class SustainableDevelopmentGoalAdmin(admin.ModelAdmin):
    list_display = ["number", "name"]


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "start_date", "end_date", "status", "is_current"]
    list_filter = ["status", "is_current"]


class GoalAdminBase(SimpleHistoryAdmin, TranslationAdmin):
    pass


@admin.register(Goal)
class GoalAdmin(GoalAdminBase):
    list_display = ["code", "title", "plan", "order", "retired"]
    list_filter = ["plan", "retired"]
    search_fields = ["code", "title"]
    filter_horizontal = ["sdgs"]


class IndicatorInline(admin.TabularInline):
    model = Indicator
    extra = 0
    fields = ["code", "name", "unit", "measure", "baseline", "target", "direction", "order", "retired"]


class ParticipationInline(admin.TabularInline):
    model = Participation
    extra = 0
    autocomplete_fields = ["member"]


@admin.register(Action)
class ActionAdmin(SimpleHistoryAdmin, TranslationAdmin):
    list_display = ["code", "title", "goal", "status", "start_date", "end_date", "retired"]
    list_filter = ["goal__plan", "goal", "status", "retired"]
    search_fields = ["code", "title"]
    filter_horizontal = ["sdgs"]
    inlines = [IndicatorInline, ParticipationInline]
    readonly_fields = ["version"]


class MilestoneInline(admin.TabularInline):
    model = Milestone
    extra = 0


@admin.register(Indicator)
class IndicatorAdmin(SimpleHistoryAdmin, TranslationAdmin):
    list_display = ["code", "name", "action", "unit", "measure", "across", "over_time", "baseline", "target",
                    "direction"]
    list_filter = ["action__goal__plan", "direction", "measure"]
    search_fields = ["code", "name"]
    inlines = [MilestoneInline]


@admin.register(Milestone)
class MilestoneAdmin(admin.ModelAdmin):
    list_display = ["indicator", "year", "value"]


@admin.register(Participation)
class ParticipationAdmin(SimpleHistoryAdmin):
    list_display = ["action", "member", "is_demo"]
    list_filter = ["is_demo", "action__goal"]
    search_fields = ["member__name", "action__code"]
    autocomplete_fields = ["member"]
