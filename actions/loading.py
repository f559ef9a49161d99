"""Load the plan (data/plan-*.yaml) into the database, idempotently."""

import string
from datetime import date
from decimal import Decimal
from pathlib import Path

import yaml
from django.db import transaction

from actions.models import Action, Goal, Indicator, Participation, Plan, SustainableDevelopmentGoal
from members.models import Member


class PlanFileError(ValueError):
    pass


def _sdgs(numbers) -> list[SustainableDevelopmentGoal]:
    found = list(SustainableDevelopmentGoal.objects.filter(number__in=numbers or []))
    if len(found) != len(set(numbers or [])):
        raise PlanFileError(f"unknown SDG numbers in {numbers}")
    return found


@transaction.atomic
def plan_load(*, path: Path, make_current: bool = True) -> Plan:
    """Create or update the plan, its goals, actions, indicators and known
    participants. Items are matched by code, so running it twice leaves the same
    rows; items not in the file are left alone (the secretariat may have added them).
    """
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    try:
        spec = data["plan"]
        goals = data["goals"]
    except (TypeError, KeyError) as exc:
        raise PlanFileError(f"{path.name}: expected 'plan' and 'goals' at the top") from exc

    start, end = _as_date(spec["start"]), _as_date(spec["end"])
    if make_current:
        Plan.objects.filter(is_current=True).exclude(code=spec["code"]).update(is_current=False)
    plan, _ = Plan.objects.update_or_create(
        code=spec["code"],
        defaults={
            "name": spec["name"],
            "subtitle": spec.get("subtitle", ""),
            "start_date": start,
            "end_date": end,
            "status": Plan.Status.ACTIVE,
            "is_current": make_current,
            "approved_by": spec.get("approved_by", ""),
            "basis": spec.get("basis", ""),
        },
    )

    members_by_slug = {m.slug: m for m in Member.objects.all()}
    for goal_order, goal_spec in enumerate(goals, start=1):
        goal, _ = Goal.objects.update_or_create(
            plan=plan,
            code=str(goal_spec["code"]),
            defaults={
                "title_en": goal_spec["title"],
                "description_en": goal_spec.get("description", ""),
                "order": goal_order,
                "basis": goal_spec.get("basis", ""),
            },
        )
        goal.sdgs.set(_sdgs(goal_spec.get("sdgs")))
        for action_order, action_spec in enumerate(goal_spec.get("actions", []), start=1):
            action, _ = Action.objects.update_or_create(
                goal=goal,
                code=str(action_spec["code"]),
                defaults={
                    "title_en": action_spec["title"],
                    "description_en": action_spec.get("description", ""),
                    "order": action_order,
                    "start_date": _as_date(action_spec.get("start", start)),
                    "end_date": _as_date(action_spec.get("end", end)),
                    "basis": action_spec.get("basis", goal_spec.get("basis", "")),
                },
            )
            action.sdgs.set(_sdgs(action_spec.get("sdgs")))
            for slug in action_spec.get("participants", []):
                if slug not in members_by_slug:
                    raise PlanFileError(f"action {action.code}: unknown member {slug!r}")
                Participation.objects.get_or_create(action=action, member=members_by_slug[slug])
            for index, indicator_spec in enumerate(action_spec.get("indicators", [])):
                Indicator.objects.update_or_create(
                    action=action,
                    code=f"{action.code}.{string.ascii_lowercase[index]}",
                    defaults={
                        "name_en": indicator_spec["name"],
                        "unit": indicator_spec["unit"],
                        "baseline": Decimal(str(indicator_spec["baseline"])),
                        "target": Decimal(str(indicator_spec["target"])),
                        "direction": indicator_spec.get("direction", "increase"),
                        "order": index,
                        "basis": str(indicator_spec.get("basis", "")),
                    },
                )
    return plan


def _as_date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))
