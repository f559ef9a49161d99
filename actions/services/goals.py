"""Writing goals: create, change, retire, reorder."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.db import transaction
from django.utils.translation import gettext as _

from actions.models import Goal, Plan
from actions.services.common import (
    GOAL_FIELDS,
    apply_fields,
    clean_code,
    lock,
    move_among,
    next_order,
    raise_if_any,
    require_editor,
    require_english_text,
    save_with_history,
    sdg_objects,
    set_retired,
)
from metroplan.services import check_version


def _validate_goal(goal: Goal) -> None:
    errors: dict[str, list] = {}
    goal.code = clean_code(goal.code)
    if not goal.code:
        errors["code"] = [_("A goal needs a code.")]
    elif Goal.objects.filter(plan=goal.plan, code=goal.code).exclude(pk=goal.pk).exists():
        errors["code"] = [_("Goal %(code)s already exists in this plan.") % {"code": goal.code}]
    require_english_text(goal, "title", errors)
    raise_if_any(errors)


@transaction.atomic
def goal_create(*, user, plan: Plan, data: Mapping, sdgs: Iterable[int] | None = None) -> Goal:
    """A new goal in `plan`, placed last unless `order` is given."""
    require_editor(user)
    goal = Goal(plan=plan, version=0)
    apply_fields(goal, data, GOAL_FIELDS)
    if "order" not in data:
        goal.order = next_order(plan.goals.all())
    _validate_goal(goal)
    save_with_history(goal, user)
    if sdgs is not None:
        goal.sdgs.set(sdg_objects(sdgs))
    return goal


@transaction.atomic
def goal_update(
    *, user, goal: Goal, data: Mapping, sdgs: Iterable[int] | None = None, expected_version: int | None = None
) -> Goal:
    """Change a goal; refused with ConflictError if it moved past `expected_version`."""
    require_editor(user)
    goal = lock(Goal, goal.pk)
    check_version(goal, expected_version)
    changed = apply_fields(goal, data, GOAL_FIELDS)
    sdgs_changed = False
    if sdgs is not None:
        new = set(int(n) for n in sdgs)
        if new != set(goal.sdgs.values_list("number", flat=True)):
            goal.sdgs.set(sdg_objects(new))
            sdgs_changed = True
    if changed or sdgs_changed:
        _validate_goal(goal)
        save_with_history(goal, user)
    return goal


@transaction.atomic
def goal_retire(*, user, goal: Goal, retired: bool = True, expected_version: int | None = None) -> Goal:
    """Retire a goal (it stays, greyed out, with its actions) or bring it back."""
    return set_retired(user, goal, retired, expected_version)


@transaction.atomic
def goal_move(*, user, goal: Goal, direction: str) -> Goal:
    """Move a goal one place up or down in its plan."""
    require_editor(user)
    return move_among(user, goal, Goal.objects.filter(plan_id=goal.plan_id), direction)
