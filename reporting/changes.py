"""Periods, updates and reports in the change feed (metroplan.changes)."""

from metroplan import changes


def register() -> None:
    from actions.querysets import audience_through
    from reporting.models import ProgressUpdate, Report, ReportingPeriod
    from reporting.querysets import ProgressUpdateQuerySet, ReportQuerySet

    changes.track(
        ReportingPeriod, type="period", key="code", audience=audience_through("plan"),
        fields=("plan.code", "code", "start", "end", "deadline", "is_open", "version", "modified"),
    )
    changes.track(
        ProgressUpdate, type="update", key="pk", state_field="state", audience=ProgressUpdateQuerySet.audience,
        fields=("member.slug", "action.code", "period.code", "state", "status", "narrative", "no_change",
                "reviewer_comment", "created", "modified", "first_submitted_at", "submitted_at", "reviewed_at",
                "version", "is_demo"),
    )
    changes.track(
        Report, type="report", key="pk", state_field="state", audience=ReportQuerySet.audience,
        fields=("plan.code", "kind", "period.code", "as_of", "state", "corrects.pk", "correction_note", "created",
                "started_at", "finished_at", "modified"),
    )
