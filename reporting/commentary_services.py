"""The secretariat's per-period commentary on a goal or an action: the one
write (`commentary_save`) and the read paths the pages and the report use.

One note per (goal, period) and per (action, period); saving again edits it
(history keeps every version, with who and when); saving it empty leaves an
empty note, which pages and reports do not show.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from metroplan.limits import NARRATIVE_MAX_LENGTH
from metroplan.permissions import can_write_commentary
from metroplan.services import PermissionDenied, ServiceError, ValidationError, check_version
from reporting.models import Commentary, ReportingPeriod


@transaction.atomic
def commentary_save(
    *, user, period: ReportingPeriod, text: str, goal=None, action=None, expected_version: int | None = None
) -> Commentary:
    """Write the commentary on `goal` or `action` (exactly one) for `period`.
    `expected_version` is the version the form was opened on (0: none yet); a
    newer stored version is a ConflictError and nothing is written."""
    if not can_write_commentary(user):
        raise PermissionDenied(_("Only secretariat staff write the commentary."))
    if (goal is None) == (action is None):
        raise ServiceError(_("A commentary is on a goal or on an action."), code="invalid")
    subject_plan = goal.plan_id if goal is not None else action.plan_id
    if subject_plan != period.plan_id:
        raise ValidationError({"period": [_("This period belongs to another plan.")]})
    text = (text or "").strip()
    if len(text) > NARRATIVE_MAX_LENGTH:
        raise ValidationError({"text": [_("Write %(limit)s characters at most; this has %(count)s.")
                                        % {"limit": NARRATIVE_MAX_LENGTH, "count": len(text)}]})
    subject = {"goal": goal} if goal is not None else {"action": action}
    # Its own row only, not the period its default ordering would join (and lock).
    note = Commentary.objects.select_for_update(of=("self",)).filter(period=period, **subject).order_by("pk").first()
    if note is None:
        if expected_version not in (None, 0):
            raise ServiceError(_("This commentary no longer exists."), code="gone")
        note = Commentary(period=period, **subject)
    else:
        check_version(note, expected_version)
        if note.text == text:
            return note  # unchanged: no new version in the history
        note.version += 1
    note.text = text
    note.updated_by = user
    note._history_user = user
    note.save()
    return note


def commentary_for(*, user, goal=None, actions=()) -> dict:
    """The non-empty notes a page shows, newest period first (one query):
    {"goal": [note, …], "actions": {action_pk: [note, …]}}."""
    from django.db.models import Q

    where = Q(action__in=[a.pk for a in actions]) if actions else Q(pk__in=[])
    if goal is not None:
        where |= Q(goal=goal.pk)
    notes = (
        Commentary.objects.visible_to(user).filter(where).exclude(text="")
        .select_related("period", "updated_by").order_by("-period__start")
    )
    found = {"goal": [], "actions": {}}
    for note in notes:
        if note.goal_id is not None:
            found["goal"].append(note)
        else:
            found["actions"].setdefault(note.action_id, []).append(note)
    return found


def commentary_of_period(period: ReportingPeriod) -> dict:
    """The period's notes for a report snapshot (one query):
    {"goals": {code: text}, "actions": {code: text}}; empty notes left out."""
    found = {"goals": {}, "actions": {}}
    rows = Commentary.objects.filter(period=period).exclude(text="").values_list("goal__code", "action__code", "text")
    for goal_code, action_code, text in rows:
        if goal_code:
            found["goals"][goal_code] = text
        else:
            found["actions"][action_code] = text
    return found
