"""Every write to the plan: goals, actions, indicators, carry-over to a new plan
and deletion, one module per job. Callers use `from actions import services`;
the spreadsheet import is `actions.plan_import`, reporting periods are
`reporting.period_services`.

Each function is keyword-only, checks the caller with `can_edit_plan`, runs in a
transaction, validates with messages a user can act on (raising
`ValidationError` with a field → messages dict), bumps `version` on goals,
actions and indicators and refuses a write made on an older version
(`ConflictError`). History (who, when, what) is kept by django-simple-history:
services stamp the user on the instance so that imports and tests record it too.
"""

from actions.services.actions import (
    action_create,
    action_move,
    action_participant_set,
    action_restore,
    action_retire,
    action_update,
    participants_at,
    staff_users,
)
from actions.services.carry_over import plan_carry_over
from actions.services.deletion import plan_item_delete
from actions.services.goals import goal_create, goal_move, goal_retire, goal_update
from actions.services.indicators import indicator_create, indicator_move, indicator_retire, indicator_update

__all__ = [
    "action_create",
    "action_move",
    "action_participant_set",
    "action_restore",
    "action_retire",
    "action_update",
    "goal_create",
    "goal_move",
    "goal_retire",
    "goal_update",
    "indicator_create",
    "indicator_move",
    "indicator_retire",
    "indicator_update",
    "participants_at",
    "plan_carry_over",
    "plan_item_delete",
    "staff_users",
]
