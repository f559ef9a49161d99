"""The plan's objects in the change feed (metroplan.changes): plans, goals,
actions and indicators, as the API names them, each seen by whoever may see
its plan (actions.querysets.plan_audience). Their many-to-many relations are
lists in their state, named as the API names them: a goal's and an action's
`sdgs` (numbers), an action's `members` (the taking-part members' slugs)."""

from metroplan import changes


def register() -> None:
    from actions.models import Action, Goal, Indicator, Plan
    from actions.querysets import audience_through, plan_audience

    translated = ("name", "subtitle")
    changes.track(
        Plan, type="plan", key="code", state_field="status", audience=plan_audience,
        fields=("code", *_languages(translated), "start_date", "end_date", "status", "is_current", "modified"),
    )
    changes.track(
        Goal, type="goal", key="code", audience=audience_through("plan"),
        fields=("plan.code", "code", *_languages(("title", "description")), "order", "retired", "version",
                "modified"),
        lists={"sdgs": "sdgs.number"},
    )
    changes.track(
        Action, type="action", key="code", state_field="status", audience=audience_through("plan"),
        fields=("plan.code", "goal.code", "code", *_languages(("title", "description")), "start_date", "end_date",
                "status", "weight", "order", "retired", "version", "modified"),
        lists={"sdgs": "sdgs.number", "members": "participants.slug"},
    )
    changes.track(
        Indicator, type="indicator", key="pk", audience=audience_through("action.plan"),
        fields=("action.code", "code", *_languages(("name", "description", "unit")), "baseline", "target",
                "direction", "order", "retired", "version", "modified"),
    )


def _languages(names) -> list[str]:
    from django.conf import settings

    return [f"{name}_{code}" for name in names for code, _label in settings.LANGUAGES]
