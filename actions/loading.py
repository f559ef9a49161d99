"""Load the plan (data/plan-*.yaml) into the database, idempotently."""

import string
from datetime import date
from decimal import Decimal
from pathlib import Path

import yaml
from django.conf import settings
from django.db import transaction

from actions.models import Action, Goal, Indicator, Participation, Plan, SustainableDevelopmentGoal
from members.models import Member

# The languages a translation is loaded for (English is the plan's own text).
TRANSLATION_LANGUAGES = [code for code, _name in settings.LANGUAGES if code != "en"]


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

    The English text is the file's. A French or Spanish text in the file
    (`title_fr`, `unit_es`, ...) is a working translation: it fills the field
    only where the database has none, so a translation the secretariat has
    revised is kept on every later load.
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
    note = spec.get("translation_note") or {}
    if not isinstance(note, dict):
        raise PlanFileError(f"{path.name}: translation_note must give a text per language (en, fr, es)")
    plan, _ = Plan.objects.update_or_create(
        code=spec["code"],
        defaults={
            "name_en": spec["name"],
            "subtitle_en": spec.get("subtitle", ""),
            **{f"translation_note_{code}": note.get(code, "") for code, _name in settings.LANGUAGES},
            "start_date": start,
            "end_date": end,
            "status": Plan.Status.ACTIVE,
            "is_current": make_current,
            "approved_by": spec.get("approved_by", ""),
            "basis": spec.get("basis", ""),
        },
    )

    _fill_translations(plan, spec, ("name", "subtitle"))

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
        _fill_translations(goal, goal_spec, ("title", "description"))
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
            _fill_translations(action, action_spec, ("title", "description"))
            action.sdgs.set(_sdgs(action_spec.get("sdgs")))
            for slug in action_spec.get("participants", []):
                if slug not in members_by_slug:
                    raise PlanFileError(f"action {action.code}: unknown member {slug!r}")
                Participation.objects.get_or_create(action=action, member=members_by_slug[slug])
            for index, indicator_spec in enumerate(action_spec.get("indicators", [])):
                indicator, _ = Indicator.objects.update_or_create(
                    action=action,
                    code=f"{action.code}.{string.ascii_lowercase[index]}",
                    defaults={
                        "name_en": indicator_spec["name"],
                        "unit_en": indicator_spec["unit"],
                        "baseline": Decimal(str(indicator_spec["baseline"])),
                        "target": Decimal(str(indicator_spec["target"])),
                        "direction": indicator_spec.get("direction", Indicator.Direction.INCREASE),
                        **_indicator_rules(indicator_spec),
                        "order": index,
                        "basis": str(indicator_spec.get("basis", "")),
                        "by_sex": bool(indicator_spec.get("by_sex", False)),
                        "by_age": bool(indicator_spec.get("by_age", False)),
                        "jump_factor": Decimal(str(indicator_spec.get("jump_factor", 3))),
                    },
                )
                _fill_translations(indicator, indicator_spec, ("name", "description", "unit"))
    return plan


def _indicator_rules(spec: dict) -> dict:
    """The measure and how the values add up, as the file says (the model's
    defaults where it says nothing; a count or a percentage by the unit)."""
    unit = str(spec.get("unit", "")).strip()
    rules = {
        "measure": spec.get(
            "measure", Indicator.Measure.PERCENTAGE if unit.startswith("%") else Indicator.Measure.COUNT
        ),
        "across": spec.get("across", Indicator.Across.MEAN),
        "over_time": spec.get("over_time", Indicator.OverTime.PERIOD),
        "carry_forward": int(spec.get("carry_forward", 1)),
        "decimals": spec.get("decimals"),
        "scale": list(spec.get("scale", [])),
        "threshold": Decimal(str(spec["threshold"])) if spec.get("threshold") is not None else None,
    }
    for name, choices in (("measure", Indicator.Measure), ("across", Indicator.Across),
                          ("over_time", Indicator.OverTime)):
        if rules[name] not in choices.values:
            raise PlanFileError(
                f"indicator {spec.get('name')!r}: {name} {rules[name]!r} is not one of {choices.values}"
            )
    return rules


def _fill_translations(obj, spec: dict, fields: tuple[str, ...]) -> None:
    """Set `<field>_fr`/`<field>_es` from the file where `obj` has no text yet."""
    changed = []
    for field in fields:
        for code in TRANSLATION_LANGUAGES:
            value = spec.get(f"{field}_{code}")
            if value is None:
                continue
            if not isinstance(value, str):
                raise PlanFileError(f"{spec.get('code', spec.get('name'))}: {field}_{code} must be a text")
            name = f"{field}_{code}"
            if value.strip() and not (getattr(obj, name) or "").strip():
                setattr(obj, name, value.strip())
                changed.append(name)
    if changed:
        obj.save(update_fields=changed)


def _as_date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))
