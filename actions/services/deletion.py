"""Deleting a goal, action or indicator (the spreadsheet import's "delete"
column and the API's DELETE): refused while it carries reported progress."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from actions.models import Action, Goal, Indicator
from actions.services.common import lock, require_editor
from metroplan.services import ServiceError, check_version


def _deletion_refusal(obj) -> str | None:
    """Why `obj` cannot be deleted, or None. Reported progress is never thrown away.

    Reported progress is reached through the reverse relations (`updates`,
    `values`) that the reporting app adds, so the plan layer imports nothing of it."""
    if isinstance(obj, Action):
        count = obj.updates.count()
        if count:
            return _(
                "Action %(code)s cannot be deleted: it has %(count)s progress updates. "
                "Keep it and set retired to 'yes' instead."
            ) % {"code": obj.code, "count": count}
    if isinstance(obj, Indicator):
        count = obj.values.count()
        if count:
            return _(
                "Indicator %(code)s cannot be deleted: members have reported %(count)s values for it. "
                "Set retired to 'yes' instead."
            ) % {"code": obj.code, "count": count}
    if isinstance(obj, Goal):
        remaining = obj.actions.count()
        if remaining:
            return _("Goal %(code)s cannot be deleted: it still has %(count)s actions.") % {
                "code": obj.code, "count": remaining,
            }
    return None


@transaction.atomic
def plan_item_delete(*, user, obj, expected_version: int | None = None) -> None:
    """Delete a goal, action or indicator that carries no reported progress."""
    require_editor(user)
    obj = lock(type(obj), obj.pk)
    check_version(obj, expected_version)
    reason = _deletion_refusal(obj)
    if reason:
        raise ServiceError(reason, code="has_progress")
    if isinstance(obj, Action):
        for participation in obj.participations.all():
            participation._history_user = user
            participation.delete()
    obj._history_user = user
    obj.delete()
