"""Read paths for the update pages: what a member owes, the review queue, an
update's history. Each composes querysets so a page costs a fixed number of
queries whatever the number of rows."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import PurePath

from django.db.models import Q
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from actions.disaggregation import PART_NAMES
from actions.models import Plan
from actions.translation import content_html
from reporting.figures import Outcome, expected_slots, plans_figures, status_disagreements
from reporting.filtersets import ProgressUpdateFilterSet
from reporting.models import Evidence, IndicatorValue, PeriodReopening, ProgressUpdate, ReportingPeriod
from reporting.quality import flag_count, update_checks

MISSING = "missing"
NEEDS_ACTION = {MISSING, ProgressUpdate.State.DRAFT, ProgressUpdate.State.RETURNED}


@dataclass
class DueSlot:
    """One (action, period) the member is expected to report on, and where it stands."""

    period: ReportingPeriod
    action: object
    state: str  # "missing" or a ProgressUpdate.State value
    update_id: int | None
    is_demo: bool
    overdue: bool

    @property
    def needs_action(self) -> bool:
        return self.state in NEEDS_ACTION


def periods_taking_updates(member, today: date | None = None):
    """Open periods, and closed ones staff reopened for `member` until today or later."""
    today = today or timezone.localdate()
    reopened = PeriodReopening.objects.filter(
        member=member, state=PeriodReopening.State.GRANTED, until__gte=today
    ).values("period_id")
    return ReportingPeriod.objects.filter(Q(is_open=True) | Q(pk__in=reopened)).select_related("plan")


def due_slots(member, today: date | None = None) -> list[DueSlot]:
    """What `member` owes: the actions it takes part in × the periods taking
    updates (expected_slots decides who is expected), with each slot's state.

    Overdue (past the deadline and not yet submitted) first, then what needs
    action by deadline, then what is submitted or approved.
    """
    today = today or timezone.localdate()
    periods = {period.pk: period for period in periods_taking_updates(member, today)}
    if not periods:
        return []
    # Two queries for every period at once: the expected slots, and the member's updates there.
    rows = expected_slots(list(periods), today=today).filter(member=member).select_related("action")
    updates = {
        (action_id, period_id): (pk, state, is_demo)
        for pk, action_id, period_id, state, is_demo in ProgressUpdate.objects.filter(
            member=member, period_id__in=list(periods)
        ).values_list("pk", "action_id", "period_id", "state", "is_demo")
    }
    slots = []
    for row in rows:
        update_id, state, is_demo = updates.get((row.action_id, row.period_id), (None, MISSING, False))
        slots.append(DueSlot(
            period=periods[row.period_id],
            action=row.action,
            state=state,
            update_id=update_id,
            is_demo=is_demo,
            overdue=row.outcome == Outcome.MISSING,  # the figures engine's rule: past the deadline, unsent
        ))
    order = {MISSING: 0, ProgressUpdate.State.RETURNED: 0, ProgressUpdate.State.DRAFT: 0}
    slots.sort(key=lambda s: (not s.overdue, order.get(s.state, 1), s.period.deadline, s.action.code))
    return slots


def action_report_slot(member, action, today: date | None = None) -> DueSlot | None:
    """Where a focal point of `member` reports on `action` now (the action
    page's "Report on this"): its slot that needs action, overdue first, else
    its latest one in a period taking updates; None when none is open."""
    slots = [slot for slot in due_slots(member, today=today) if slot.action.pk == action.pk]
    return next((slot for slot in slots if slot.needs_action), slots[0] if slots else None)


def past_updates(member, exclude_period_ids=()):
    """The member's updates outside the periods now taking updates, newest first."""
    return (
        ProgressUpdate.objects.filter(member=member)
        .exclude(period_id__in=list(exclude_period_ids))
        .select_related("action", "period")
        .order_by("-period__start", "action__goal__order", "action__order", "action__code")
    )


def review_queue(params, user):
    """Submitted updates, oldest submission first, filtered by the shared FilterSet."""
    base = (
        ProgressUpdate.objects.visible_to(user)
        .filter(state=ProgressUpdate.State.SUBMITTED)
        .select_related("member", "member__region", "action", "period", "submitted_by")
        .order_by("submitted_at", "pk")
    )
    return ProgressUpdateFilterSet(params, queryset=base)


def only_flagged(queryset):
    """The updates of `queryset` with at least one data-quality flag
    (reporting.quality; two queries for the whole queue)."""
    checks = update_checks(list(queryset.select_related("action", "period")))
    return queryset.filter(pk__in=[pk for pk, own in checks.items() if flag_count(own)])


@dataclass(frozen=True)
class QueueFilter:
    """A filter of the review queue beyond the shared FilterSet: a checkbox
    (`?<param>=yes`) that narrows the queue with `narrow(queryset)`."""

    param: str
    label: str
    narrow: Callable


def only_status_disagreeing(updates):
    """The updates of actions whose typed status disagrees with the status the
    figures engine computes (reporting.figures.status_disagreements; the
    engine's cached figures of the plans concerned)."""
    plans = Plan.objects.filter(pk__in=updates.values("action__plan_id"))
    disagreeing = {
        action.pk for figures in plans_figures(list(plans)).values() for action in status_disagreements(figures)
    }
    return updates.filter(action_id__in=disagreeing)


# The queue's checkboxes, in order. Another check joins by adding a QueueFilter here.
QUEUE_FILTERS: list[QueueFilter] = [
    QueueFilter("flags", gettext_lazy("Has data-quality flags"), only_flagged),
    QueueFilter("status_disagrees", gettext_lazy("Typed status disagrees with the figures"), only_status_disagreeing),
]


def review_queue_updates(params, user):
    """(filterset, updates): the queue filtered by the shared FilterSet and by
    each QUEUE_FILTERS checkbox ticked in `params`."""
    filterset = review_queue(params, user)
    updates = filterset.qs
    for extra in QUEUE_FILTERS:
        if params.get(extra.param) == "yes":
            updates = extra.narrow(updates)
    return filterset, updates


def flags_by_update(updates) -> dict[int, int]:
    """{update pk: number of data-quality flags} for a page of the queue (two queries)."""
    return {pk: flag_count(own) for pk, own in update_checks(list(updates)).items()}


def pending_reopenings():
    return (
        PeriodReopening.objects.filter(state=PeriodReopening.State.REQUESTED)
        .select_related("member", "period", "requested_by")
        .order_by("requested_at")
    )


def update_values_by_indicator(update: ProgressUpdate | None) -> dict[int, IndicatorValue]:
    if update is None or update.pk is None:
        return {}
    return {value.indicator_id: value for value in update.values.all()}


@dataclass
class HistoryEntry:
    when: object
    who: object
    what: str  # "created", "changed", "deleted"
    changes: list[tuple[str, object, object]]  # (label, old, new)
    subject: str  # "update" or the indicator's name


UPDATE_FIELDS = ["state", "status", "narrative", "no_change", "reviewer_comment"]
VALUE_FIELDS = ["value", "not_available", "not_available_reason", *PART_NAMES]


def _readable(value):
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return value


def _display(record, field_name):
    value = getattr(record, field_name)
    display = getattr(record, f"get_{field_name}_display", None)
    return display() if display and value else _readable(value)


def update_history(update: ProgressUpdate) -> list[HistoryEntry]:
    """Every saved version of the update and of its indicator values, oldest
    first, each with who, when and what changed."""
    entries: list[HistoryEntry] = []
    records = list(update.history.select_related("history_user").order_by("history_date", "history_id"))
    previous = None
    for record in records:
        changes = []
        for name in UPDATE_FIELDS:
            old = _display(previous, name) if previous is not None else None
            new = _display(record, name)
            if previous is None and new in ("", None, False):
                continue
            if previous is None or getattr(previous, name) != getattr(record, name):
                changes.append((str(ProgressUpdate._meta.get_field(name).verbose_name), old, new))
        what = {"+": "created", "~": "changed", "-": "deleted"}[record.history_type]
        if changes or previous is None:
            entries.append(HistoryEntry(record.history_date, record.history_user, what, changes, "update"))
        previous = record
    value_records = list(
        IndicatorValue.history.filter(update_id=update.pk)
        .select_related("history_user", "indicator")
        .order_by("indicator_id", "history_date", "history_id")
    )
    last_by_indicator = {}
    for record in value_records:
        before = last_by_indicator.get(record.indicator_id)
        what = {"+": "created", "~": "changed", "-": "deleted"}[record.history_type]
        changes = []
        for name in VALUE_FIELDS:
            old = getattr(before, name) if before is not None else None
            new = getattr(record, name) if what != "deleted" else None
            unset_at_creation = before is None and new in ("", None, False)
            unchanged = before is not None and old == new and what != "deleted"
            if unset_at_creation or unchanged:
                continue
            changes.append((str(IndicatorValue._meta.get_field(name).verbose_name), _readable(old), _readable(new)))
        if changes or what != "changed":
            entries.append(HistoryEntry(record.history_date, record.history_user, what, changes,
                                        format_html("{} {}", record.indicator.code,
                                                    content_html(record.indicator, "name"))))
        last_by_indicator[record.indicator_id] = record
    evidence_label = str(Evidence._meta.verbose_name)
    for record in Evidence.history.filter(update_id=update.pk).select_related("history_user").order_by(
        "history_date", "history_id"
    ):
        what = {"+": "created", "~": "changed", "-": "deleted"}[record.history_type]
        # The historical model keeps the file as its stored name (a string), not a FieldFile.
        stored = getattr(record.file, "name", record.file) or ""
        shown = record.url or record.file_name or PurePath(stored).name
        changes = [(evidence_label, None, shown)] if what == "created" else [(evidence_label, shown, None)]
        entries.append(HistoryEntry(record.history_date, record.history_user, what, changes, record.title or shown))
    entries.sort(key=lambda e: e.when)
    return entries
