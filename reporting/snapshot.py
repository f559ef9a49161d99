"""A report's frozen snapshot: every figure of the plan for one period, as data.

The figures come from the figures engine, as of the report's `as_of`, so that
a report and a dashboard show the same number for the same period, and a
report rebuilt later says what it said. Next to each figure the
snapshot keeps its data gaps: which members and which indicators are missing.

The snapshot is plain JSON (numbers, strings, lists, dicts) so that it can be
stored on the Report, rendered to every format and compared with an earlier
report without touching the database again.
"""

from collections import defaultdict
from datetime import date
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from actions.models import Action
from members.models import Member
from reporting.figures import Outcome, plan_figures
from reporting.figures.figure import whole_percent
from reporting.figures.gaps import indicator_gaps, update_gaps
from reporting.models import ProgressUpdate, Report

SNAPSHOT_VERSION = 1
OUTCOME_LABELS = {
    "missing": gettext_lazy("no update"),
    "due": gettext_lazy("not yet due"),
    "on_time": gettext_lazy("submitted, not yet approved"),
    "late": gettext_lazy("submitted late, not yet approved"),
    "excused": gettext_lazy("submitted late (excused), not yet approved"),
}


def _number(value) -> float | None:
    if value is None:
        return None
    return float(value) if isinstance(value, Decimal | int | float) else value


def _figure(figure) -> dict:
    return figure.as_dict()


def snapshot_build(report: Report, *, compliance_on: date | None = None) -> dict:
    """The snapshot of `report` (plan, period, as_of), as a JSON-ready dict.

    Every figure is as it stood at the end of `compliance_on` (by default the
    day the report was asked for, so that a rebuild gives the same answer):
    progress from the values approved by then of periods ending by `as_of`,
    compliance from the submissions made by then.
    """
    plan, period, as_of = report.plan, report.period, report.as_of
    compliance_on = compliance_on or timezone.localdate(report.created)

    figures = plan_figures(plan, as_of=compliance_on, up_to=as_of)
    gaps = update_gaps(period, compliance_on=compliance_on, approved_by=compliance_on)
    value_gaps = indicator_gaps(period, compliance_on=compliance_on, approved_by=compliance_on)
    member_names = dict(Member.objects.values_list("pk", "name"))

    snapshot = {
        "version": SNAPSHOT_VERSION,
        "meta": _meta(report, compliance_on),
        "plan_progress": _plan_progress(figures, gaps),
        "status_mix": [
            {"status": value, "label": str(label), "count": count} for value, label, count in figures.status_mix
        ],
    }
    actions, indicators = _actions_and_indicators(figures, period, gaps, value_gaps)
    snapshot["goals"] = _goals(figures, actions)
    snapshot["actions"] = actions
    snapshot["indicators"] = indicators
    snapshot["compliance"] = _compliance(figures, period, gaps, member_names)
    snapshot["early_warnings"] = [
        {
            "action": warning.action.code,
            "action_title": warning.action.title,
            "indicator": warning.indicator.code,
            "indicator_name": warning.indicator.name,
            "unit": warning.indicator.unit,
            "projected": round(warning.projected, 2),
            "target": warning.target,
            "points": warning.points,
            "explanation": warning.explanation,
        }
        for warning in figures.warnings
    ]
    snapshot["data_gaps"] = _data_gaps(gaps, indicators)
    return snapshot


def _meta(report: Report, compliance_on: date) -> dict:
    plan, period, as_of = report.plan, report.period, report.as_of
    used = ProgressUpdate.objects.filter(period__plan=plan, state="approved", period__end__lte=as_of)
    demo_updates = used.filter(is_demo=True).count()
    return {
        "report_id": report.pk,
        "plan": {"code": plan.code, "name": plan.name},
        "kind": report.kind,
        "kind_label": str(report.get_kind_display()),
        "period": {
            "code": period.code, "start": period.start.isoformat(), "end": period.end.isoformat(),
            "deadline": period.deadline.isoformat(),
        },
        "as_of": as_of.isoformat(),
        "compliance_on": compliance_on.isoformat(),
        "generated_at": timezone.now().isoformat(timespec="seconds"),
        "approved_updates_used": used.count(),
        "demo_updates_used": demo_updates,
        "demo_note": (
            _("This report is built over demo data: %(n)s of the approved updates it uses are demo updates, "
              "not members' real reports.") % {"n": demo_updates}
            if demo_updates else ""
        ),
        "corrects": report.corrects_id,
        "correction_note": report.correction_note,
    }


def _plan_progress(figures, update_gaps: list[dict]) -> dict:
    figure = _figure(figures.progress)
    figure["members_without_approved_update"] = sorted({row["member__name"] for row in update_gaps})
    return figure


def _actions_and_indicators(figures, period, update_gaps, indicator_gaps):
    counts_by_action = figures.compliance.action_counts(period)
    gaps_by_action: dict[int, list[dict]] = defaultdict(list)
    for row in update_gaps:
        gaps_by_action[row["action_id"]].append(
            {"member": row["member__name"], "why": str(OUTCOME_LABELS.get(row["outcome"], row["outcome"]))}
        )
    gaps_by_indicator: dict[int, list[dict]] = defaultdict(list)
    for row in indicator_gaps:
        if row["not_available_reason"]:
            why = _("not available: %(reason)s") % {"reason": row["not_available_reason"]}
        elif row["update_approved"]:
            why = _("approved update without a value")
        else:
            why = str(OUTCOME_LABELS.get(row["outcome"], row["outcome"]))
        gaps_by_indicator[row["indicator_id"]].append({"member": row["member__name"], "why": why})

    indicators = []
    indicators_by_action: dict[int, list[dict]] = defaultdict(list)
    for indicator in figures.indicators:
        counted = indicator.action.status != Action.Status.CANCELLED
        expected = counts_by_action.get(indicator.action_id, {}).get("expected", 0)
        missing = gaps_by_indicator.get(indicator.pk, [])
        row = {
            "code": indicator.code,
            "action": indicator.action.code,
            "name": indicator.name,
            "unit": indicator.unit,
            "baseline": _number(indicator.baseline),
            "target": _number(indicator.target),
            "direction": indicator.direction,
            "latest_value": _number(indicator.latest_value),
            "latest_period_end": indicator.latest_period_end.isoformat() if indicator.latest_period_end else None,
            "latest_members": indicator.latest_members or 0,
            "progress": indicator.progress,
            "percent": whole_percent(indicator.progress),
            "counted": counted,
            "expected_members": expected,
            "reported_members": expected - len(missing),
            "missing_members": missing,
        }
        indicators.append(row)
        indicators_by_action[indicator.action_id].append(row)

    actions = []
    for action in figures.actions:
        counts = counts_by_action.get(action.pk, {})
        missing = gaps_by_action.get(action.pk, [])
        own_indicators = indicators_by_action.get(action.pk, [])
        actions.append({
            "code": action.code,
            "goal": action.goal.code,
            "title": action.title,
            "status": action.status,
            "status_label": str(action.get_status_display()),
            "weight": action.weight,
            "counted": action.status != Action.Status.CANCELLED,
            "progress": action.progress,
            "percent": whole_percent(action.progress),
            "progress_from": "indicators" if own_indicators else "status",
            "indicators": [row["code"] for row in own_indicators],
            "indicators_without_values": [row["code"] for row in own_indicators if row["latest_value"] is None],
            "expected_members": counts.get("expected", 0),
            "approved_members": counts.get("expected", 0) - len(missing),
            "missing_members": missing,
        })
    return actions, indicators


def _goals(figures, actions: list[dict]) -> list[dict]:
    by_goal: dict[str, list[dict]] = defaultdict(list)
    for action in actions:
        by_goal[action["goal"]].append(action)
    goals = []
    for goal in figures.goals:
        own = [a for a in by_goal.get(goal.code, []) if a["counted"]]
        goals.append({
            "code": goal.code,
            "title": goal.title,
            "progress": goal.progress,
            "percent": whole_percent(goal.progress),
            "action_count": goal.action_count or 0,
            "indicators_without_values": [code for a in own for code in a["indicators_without_values"]],
            "members_without_approved_update": sorted({m["member"] for a in own for m in a["missing_members"]}),
        })
    return goals


def _missing_by_member(update_gaps: list[dict], outcome: str) -> dict[int, list[str]]:
    missing: dict[int, list[str]] = defaultdict(list)
    for row in update_gaps:
        if row["outcome"] == outcome:
            missing[row["member_id"]].append(row["action__code"])
    return missing


def _compliance(figures, period, update_gaps, member_names) -> dict:
    compliance = figures.compliance
    missing = _missing_by_member(update_gaps, Outcome.MISSING)
    not_yet_due = _missing_by_member(update_gaps, Outcome.DUE)
    region_names = {region.pk: region.name for region in compliance.regions}
    member_rows = compliance.member_counts(period)
    member_regions = compliance.member_region

    overall = _figure(compliance.period_figure(period))
    overall["members_missing"] = [
        {"member": member_names[member_id], "actions": codes}
        for member_id, codes in sorted(missing.items(), key=lambda item: member_names[item[0]])
    ]
    by_region = []
    for region, figure in compliance.per_region(period):
        row = {"region": region.name, "slug": region.slug, **_figure(figure)}
        row["members_missing"] = sorted(
            member_names[member_id] for member_id in missing if member_regions.get(member_id) == region.pk
        )
        by_region.append(row)
    by_member = []
    for member_id, counts in sorted(member_rows.items(), key=lambda item: member_names[item[0]]):
        by_member.append({
            "member": member_names[member_id],
            "region": region_names.get(member_regions.get(member_id), ""),
            **{key: counts.get(key, 0) for key in ("expected", *Outcome.values)},
            "rate": counts["rate"],
            "percent": whole_percent(counts["rate"]),
            "missing_actions": missing.get(member_id, []),
            "not_yet_due_actions": not_yet_due.get(member_id, []),
        })
    by_period = [
        {"period": other.code, "end": other.end.isoformat(), **_figure(figure)}
        for other, figure in compliance.per_period(up_to=period.end)
    ]
    return {"period": overall, "by_region": by_region, "by_member": by_member, "by_period": by_period}


def _data_gaps(update_gaps: list[dict], indicators: list[dict]) -> dict:
    members = sorted({row["member__name"] for row in update_gaps if row["outcome"] == Outcome.MISSING})
    unapproved = sorted({row["member__name"] for row in update_gaps if row["outcome"] != Outcome.MISSING})
    return {
        "members_missing_updates": members,
        "members_with_updates_not_approved": unapproved,
        "indicators_without_values": [
            row["code"] for row in indicators if row["counted"] and row["latest_value"] is None
        ],
        "indicator_member_gaps": sum(len(row["missing_members"]) for row in indicators),
    }


# What changed between two snapshots ------------------------------------------------------------


def _pct_text(value) -> str:
    return "—" if value is None else f"{value}%"


def snapshot_diff(before: dict, after: dict) -> list[dict]:
    """The figures that differ between two snapshots, as
    [{"figure": ..., "before": ..., "after": ...}], plan first."""
    changes = []

    def compare(label: str, old, new, text=_pct_text):
        if old != new:
            changes.append({"figure": label, "before": text(old), "after": text(new)})

    compare(_("Plan progress"), before["plan_progress"].get("percent"), after["plan_progress"].get("percent"))
    compare(_("Compliance %(period)s") % {"period": after["meta"]["period"]["code"]},
            before["compliance"]["period"].get("percent"), after["compliance"]["period"].get("percent"))
    old_goals = {goal["code"]: goal for goal in before.get("goals", [])}
    for goal in after.get("goals", []):
        old = old_goals.get(goal["code"], {})
        compare(_("Goal %(code)s progress") % {"code": goal["code"]}, old.get("percent"), goal["percent"])
    old_actions = {action["code"]: action for action in before.get("actions", [])}
    for action in after.get("actions", []):
        old = old_actions.get(action["code"], {})
        compare(_("Action %(code)s progress") % {"code": action["code"]}, old.get("percent"), action["percent"])
        compare(_("Action %(code)s status") % {"code": action["code"]}, old.get("status_label"),
                action["status_label"], text=lambda value: value or "—")
    old_regions = {row["slug"]: row for row in before["compliance"].get("by_region", [])}
    for row in after["compliance"].get("by_region", []):
        old = old_regions.get(row["slug"], {})
        compare(_("Compliance in %(region)s") % {"region": row["region"]}, old.get("percent"), row["percent"])
    old_warnings = {(w["action"], w["indicator"]) for w in before.get("early_warnings", [])}
    new_warnings = {(w["action"], w["indicator"]) for w in after.get("early_warnings", [])}
    for _action, indicator in sorted(new_warnings - old_warnings):
        changes.append({"figure": _("Early warning %(indicator)s") % {"indicator": indicator},
                        "before": _("none"), "after": _("flagged")})
    for _action, indicator in sorted(old_warnings - new_warnings):
        changes.append({"figure": _("Early warning %(indicator)s") % {"indicator": indicator},
                        "before": _("flagged"), "after": _("cleared")})
    return changes
