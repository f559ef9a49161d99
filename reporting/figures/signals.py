"""Every change to an input of the figures replaces the figures version
(cache.bump) in the change's transaction: the plan (goals, actions,
participations, indicators, milestones), members and their memberships,
periods, reopenings, updates and their values. The approved values the engine
reads are kept in step in the same transactions (approved.py)."""

from django.db.models.signals import m2m_changed, post_delete, post_save

from reporting.figures.cache import bump

INPUTS = (
    "actions.Plan", "actions.Goal", "actions.Action", "actions.Participation", "actions.Indicator",
    "actions.Milestone", "members.Region", "members.Member", "members.Membership",
    "reporting.ReportingPeriod", "reporting.PeriodReopening", "reporting.ProgressUpdate",
    "reporting.IndicatorValue",
)


def connect() -> None:
    from django.apps import apps

    from reporting.figures import approved

    approved.connect()
    for label in INPUTS:
        model = apps.get_model(label)
        post_save.connect(bump, sender=model, dispatch_uid=f"figures-save-{label}")
        post_delete.connect(bump, sender=model, dispatch_uid=f"figures-delete-{label}")
    through = apps.get_model("actions.Action").participants.through
    m2m_changed.connect(bump, sender=through, dispatch_uid="figures-participants")
