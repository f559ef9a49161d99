"""Starting a new plan from an old one (carry-over)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.db import transaction
from django.utils.translation import gettext as _

from actions.languages import translated
from actions.models import Action, Goal, Indicator, Milestone, Plan
from actions.services.actions import save_new_action
from actions.services.common import clean_code, raise_if_any, require_editor, save_with_history


@transaction.atomic
def plan_carry_over(
    *,
    user,
    source: Plan,
    code: str,
    name: str,
    start_date: date,
    end_date: date,
    goal_ids: Iterable[int],
    action_ids: Iterable[int],
    copy_indicators: bool = True,
    copy_participants: bool = True,
) -> Plan:
    """Start a new draft plan from `source`, copying the chosen goals and actions.

    Every copy links to its original (`carried_from`). Copied actions span the
    new plan's dates and start as not started; copied indicators keep baseline,
    target and unit, and drop milestones outside the new dates. An action whose
    goal was not chosen brings its goal along.
    """
    require_editor(user)
    errors: dict[str, list] = {}
    code = clean_code(code)
    if not code:
        errors["code"] = [_("Give the new plan a code, for example 2024-2026.")]
    elif Plan.objects.filter(code=code).exists():
        errors["code"] = [_("A plan with code %(code)s already exists.") % {"code": code}]
    if not (name or "").strip():
        errors["name"] = [_("Give the new plan a name.")]
    if start_date and end_date and end_date <= start_date:
        errors["end_date"] = [_("The end date must be after the start date.")]
    actions = list(
        Action.objects.filter(goal__plan=source, pk__in=list(action_ids))
        .select_related("goal")
        .prefetch_related("sdgs", "indicators__milestones", "participations")
        .order_by("goal__order", "order", "code")
    )
    chosen_goal_ids = set(int(pk) for pk in goal_ids) | {a.goal_id for a in actions}
    goals = list(Goal.objects.filter(plan=source, pk__in=chosen_goal_ids).prefetch_related("sdgs").order_by("order"))
    if not goals:
        errors["goals"] = [_("Choose at least one goal or action to carry over.")]
    raise_if_any(errors)

    plan = Plan.objects.create(
        code=code, name=name.strip(), start_date=start_date, end_date=end_date,
        status=Plan.Status.DRAFT, is_current=False, carried_from=source,
    )
    copies: dict[int, Goal] = {}
    translated_goal = translated("title", "description")
    for goal in goals:
        copy = Goal(
            plan=plan, code=goal.code, order=goal.order, basis=goal.basis, carried_from=goal, version=0,
            **{name: getattr(goal, name) for name in translated_goal},
        )
        save_with_history(copy, user)
        copy.sdgs.set(goal.sdgs.all())
        copies[goal.pk] = copy
    for action in actions:
        copy = Action(
            goal=copies[action.goal_id], code=action.code, order=action.order, lead=action.lead,
            start_date=start_date, end_date=end_date, status=Action.Status.NOT_STARTED, weight=action.weight,
            basis=action.basis, carried_from=action, version=0,
            **{name: getattr(action, name) for name in translated("title", "description")},
        )
        save_new_action(
            copy, user, [s.number for s in action.sdgs.all()],
            [p.member_id for p in action.participations.all()] if copy_participants else [],
        )
        if copy_indicators:
            for indicator in action.indicators.all():
                if indicator.retired:
                    continue
                new = Indicator(
                    action=copy, code=indicator.code, unit=indicator.unit, baseline=indicator.baseline,
                    target=indicator.target, direction=indicator.direction, order=indicator.order,
                    basis=indicator.basis, version=0,
                    **{name: getattr(indicator, name) for name in translated("name", "description")},
                )
                save_with_history(new, user)
                for milestone in indicator.milestones.all():
                    if start_date.year <= milestone.year <= end_date.year:
                        Milestone.objects.create(indicator=new, year=milestone.year, value=milestone.value)
    return plan
