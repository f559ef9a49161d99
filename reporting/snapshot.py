"""A report's frozen snapshot: every figure of the plan for one period, as data.

The figures come from the figures engine, as of the report's `as_of`, so that
a report and a dashboard show the same number for the same period, and a
report rebuilt later says what it said. Next to each figure the
snapshot keeps its data gaps: which members and which indicators are missing.

The snapshot is plain JSON (numbers, strings, lists, dicts) so that it can be
stored on the Report, rendered to every format and compared with an earlier
report without touching the database again.

It holds data, never a sentence in one language (version 2): numbers, codes
and keys (an action's `status`, a gap's `why`, a figure's `rule`, a change's
`key`), the counts a figure's explanation is made from, and the plan's own
texts in every language it has them ({"en": …, "fr": …, "es": …}). Names
people gave (members, a correction's note, a member's narrative) are kept as
they were typed. `reporting.report_view` turns a snapshot into the words of
the language asked for, at render time, so the numbers are the same in every
language. Version 1 snapshots (before December 2026) hold English sentences;
they are rendered as they are.

To add a figure: put its numbers (and keys) here, and its words in
`report_view`; renderers read the view.
"""

from collections import defaultdict
from datetime import date

from django.conf import settings
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from actions.models import Action
from members.models import Member
from reporting.commentary_services import commentary_of_period
from reporting.figures import Outcome, compliance_figure, outcome_counts, plan_figures, rules
from reporting.figures.figure import whole_percent
from reporting.figures.gaps import indicator_gaps, update_gaps
from reporting.figures.slots import add_counts, end_of_day
from reporting.figures.split import indicator_splits
from reporting.models import ProgressUpdate, Report

SNAPSHOT_VERSION = 2
# Gap reasons (`why`) besides the outcomes of reporting.figures.Outcome.
NOT_AVAILABLE = "not_available"
APPROVED_WITHOUT_VALUE = "approved_without_value"
# A highlighted narrative is cut to this many characters (the full text is on the update's page).
NARRATIVE_CHARS = 700


def _number(value) -> float | None:
    return None if value is None else float(value)


def texts(obj, field: str) -> dict[str, str]:
    """The plan content `field` of `obj` in every language of the site that has
    it: {"en": …, "fr": …}. Empty translations are left out (the reader then
    gets English)."""
    found = {}
    for code, _name in settings.LANGUAGES:
        value = getattr(obj, f"{field}_{code}", None)
        if value:
            found[code] = value
    if not found:
        found[settings.LANGUAGE_CODE] = getattr(obj, field, "") or ""
    return found


def _counts(counts: dict) -> dict:
    return {key: counts.get(key, 0) for key in ("expected", *Outcome.values)}


def _compliance_data(figure, counts: dict) -> dict:
    """A compliance figure as data: its value and the outcome counts it is made of."""
    return {
        "value": figure.value, "percent": figure.percent, "rule": "compliance", "counts": _counts(counts),
        "covered": figure.covered, "expected": figure.expected,
    }


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
        "status_mix": [{"status": value, "count": count} for value, _label, count in figures.status_mix],
    }
    splits = indicator_splits(figures.indicators, as_of=compliance_on, up_to=as_of)
    actions, indicators = _actions_and_indicators(figures, period, gaps, value_gaps, splits)
    del value_gaps
    snapshot["goals"] = _goals(figures, actions, period)
    snapshot["actions"] = actions
    snapshot["indicators"] = indicators
    snapshot["compliance"] = _compliance(figures, period, gaps, member_names)
    snapshot["early_warnings"] = [
        {
            "action": warning.action.code,
            "action_title": texts(warning.action, "title"),
            "indicator": warning.indicator.code,
            "indicator_name": texts(warning.indicator, "name"),
            "unit": texts(warning.indicator, "unit"),
            "projected": round(warning.projected, 2),
            "target": warning.target,
            "points": warning.points,
            "end": warning.action.end_date.isoformat(),
        }
        for warning in figures.warnings
    ]
    snapshot["data_gaps"] = _data_gaps(gaps, indicators)
    snapshot["narratives"] = _narratives(report, compliance_on)
    snapshot["commentary"] = commentary(report)
    return snapshot


def commentary(report: Report) -> dict:
    """The secretariat's commentary on the report's period, per goal and per
    action: {"goals": {code: text}, "actions": {code: text}} (a text is kept as
    staff typed it; one query). The report's goal pages print it under "The
    secretariat's commentary"."""
    return commentary_of_period(report.period)


def _meta(report: Report, compliance_on: date) -> dict:
    plan, period, as_of = report.plan, report.period, report.as_of
    used = ProgressUpdate.objects.filter(period__plan=plan, state="approved", period__end__lte=as_of)
    return {
        "report_id": report.pk,
        "plan": {"code": plan.code, "name": texts(plan, "name"), "start": plan.start_date.isoformat(),
                 "end": plan.end_date.isoformat()},
        "kind": report.kind,
        "period": {
            "code": period.code, "start": period.start.isoformat(), "end": period.end.isoformat(),
            "deadline": period.deadline.isoformat(),
        },
        "as_of": as_of.isoformat(),
        "compliance_on": compliance_on.isoformat(),
        "generated_at": timezone.now().isoformat(timespec="seconds"),
        "approved_updates_used": used.count(),
        "demo_updates_used": used.filter(is_demo=True).count(),
        "corrects": report.corrects_id,
        "correction_note": report.correction_note,
        # The share of the plan's time gone by the report's day (its bars' marker).
        "elapsed": rules.elapsed_fraction(plan.start_date, plan.end_date, as_of),
    }


def _plan_progress(figures, update_gaps: list[dict]) -> dict:
    progress = figures.progress
    counted = [action for action in figures.all_actions if action.counted]
    indicators = sorted((i for action in counted for i in action.indicator_list), key=lambda i: i.code)
    return {
        "value": progress.value, "percent": progress.percent, "rule": "progress",
        "covered": progress.covered, "expected": progress.expected,
        "actions": len(counted), "actions_left_out": len(figures.all_actions) - len(counted),
        "indicators": len(indicators),
        "indicators_without_values": [i.code for i in indicators if i.latest_value is None],
        "members_without_approved_update": sorted({row["member__name"] for row in update_gaps}),
    }


def _gap(member: str, why: str, reason: str = "") -> dict:
    return {"member": member, "why": why, "reason": reason} if reason else {"member": member, "why": why}


def _split_data(splits) -> list[dict]:
    """An indicator's split by sex and by age group (reporting.figures.split), as data."""
    return [
        {"breakdown": split.key, "period": split.period_code, "members": split.members,
         "without_parts": split.members_without_parts, "total": _number(split.total),
         "parts": {part.name: _number(part.value) for part in split.parts}}
        for split in splits
    ]


def _actions_and_indicators(figures, period, update_gaps, indicator_gaps, splits=None):
    counts_by_action = figures.compliance.action_counts(period)
    gaps_by_action: dict[int, list[dict]] = defaultdict(list)
    for row in update_gaps:
        gaps_by_action[row["action_id"]].append(_gap(row["member__name"], row["outcome"]))
    gaps_by_indicator: dict[int, list[dict]] = defaultdict(list)
    for row in indicator_gaps:
        if row["not_available_reason"]:
            gap = _gap(row["member__name"], NOT_AVAILABLE, row["not_available_reason"])
        elif row["update_approved"]:
            gap = _gap(row["member__name"], APPROVED_WITHOUT_VALUE)
        else:
            gap = _gap(row["member__name"], row["outcome"])
        gaps_by_indicator[row["indicator_id"]].append(gap)

    indicators = []
    indicators_by_action: dict[int, list[dict]] = defaultdict(list)
    for indicator in figures.indicators:
        counted = indicator.action.status != Action.Status.CANCELLED
        expected = counts_by_action.get(indicator.action_id, {}).get("expected", 0)
        missing = gaps_by_indicator.get(indicator.pk, [])
        row = {
            "code": indicator.code,
            "action": indicator.action.code,
            "name": texts(indicator, "name"),
            "unit": texts(indicator, "unit"),
            "decimals": indicator.display_decimals,
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
            "series": [
                {"period": point.period_code, "end": point.period_end.isoformat(), "value": point.value,
                 "members": point.members, "target": _number(indicator.period_targets.get(point.period_code))}
                for point in indicator.series
            ],
            "milestones": [
                {"year": milestone.year, "value": _number(milestone.value)}
                for milestone in indicator.milestone_list
            ],
            "split": _split_data((splits or {}).get(indicator.pk, [])),
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
            "title": texts(action, "title"),
            "status": action.status,
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


def _goals(figures, actions: list[dict], period) -> list[dict]:
    by_goal: dict[str, list[dict]] = defaultdict(list)
    for action in actions:
        by_goal[action["goal"]].append(action)
    compliance = _goals_compliance(figures, period)
    goals = []
    for goal in figures.goals:
        own = [a for a in by_goal.get(goal.code, []) if a["counted"]]
        goals.append({
            "code": goal.code,
            "title": texts(goal, "title"),
            "progress": goal.progress,
            "percent": whole_percent(goal.progress),
            "action_count": goal.action_count or 0,
            "indicators_without_values": [code for a in own for code in a["indicators_without_values"]],
            "members_without_approved_update": sorted({m["member"] for a in own for m in a["missing_members"]}),
            "compliance": compliance.get(goal.code),
        })
    return goals


def _goals_compliance(figures, period) -> dict[str, dict]:
    """{goal code: compliance of the updates expected for its actions in the
    report's period, overall and per region}: the engine's counts grouped by
    goal and region, for that one period (one query)."""
    counts = outcome_counts([period], ("action__goal__code", "member__region_id"), today=figures.on,
                            as_of=figures.on)
    by_goal: dict[str, dict[int, dict]] = defaultdict(dict)
    for (_period_id, goal_code, region_id), row in counts.items():
        by_goal[goal_code][region_id] = row
    result = {}
    for goal_code, regions in by_goal.items():
        total = add_counts(regions.values())
        result[goal_code] = {
            **_compliance_data(compliance_figure(total), total),
            "by_region": [
                {"region": region.name, "slug": region.slug,
                 **_compliance_data(compliance_figure(regions[region.pk]), regions[region.pk])}
                for region in figures.compliance.regions if region.pk in regions
            ],
        }
    return result


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

    overall = _compliance_data(compliance.period_figure(period), compliance.counts(period))
    overall["members_missing"] = [
        {"member": member_names[member_id], "actions": codes}
        for member_id, codes in sorted(missing.items(), key=lambda item: member_names[item[0]])
    ]
    by_region = []
    sums = compliance.region_counts(period)
    for region, figure in compliance.per_region(period):
        row = {"region": region.name, "slug": region.slug, **_compliance_data(figure, sums[region.pk])}
        row["members_missing"] = sorted(
            member_names[member_id] for member_id in missing if member_regions.get(member_id) == region.pk
        )
        by_region.append(row)
    by_member = []
    for member_id, counts in sorted(member_rows.items(), key=lambda item: member_names[item[0]]):
        by_member.append({
            "member": member_names[member_id],
            "region": region_names.get(member_regions.get(member_id), ""),
            **_counts(counts),
            "rate": counts["rate"],
            "percent": whole_percent(counts["rate"]),
            "missing_actions": missing.get(member_id, []),
            "not_yet_due_actions": not_yet_due.get(member_id, []),
        })
    by_period = [
        {"period": other.code, "end": other.end.isoformat(), **_compliance_data(figure, compliance.counts(other))}
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


def _narratives(report: Report, compliance_on: date) -> list[dict]:
    """For each live action, its latest approved narrative (approved by
    `compliance_on`, of a period ending by the report's `as_of`): at most one
    per action, cut to NARRATIVE_CHARS. Two queries."""
    approved = ProgressUpdate.objects.filter(
        action=OuterRef("pk"), state=ProgressUpdate.State.APPROVED, period__plan=report.plan,
        period__end__lte=report.as_of, reviewed_at__lt=end_of_day(compliance_on),
    ).exclude(narrative="").order_by("-period__end", "-reviewed_at", "-pk")
    latest = (
        Action.objects.filter(goal__plan=report.plan, retired=False)
        .annotate(update_id=Subquery(approved.values("pk")[:1]))
        .exclude(update_id=None).values_list("update_id", flat=True)
    )
    updates = (
        ProgressUpdate.objects.filter(pk__in=list(latest))
        .select_related("member", "period", "action")
        .only("pk", "narrative", "is_demo", "reviewed_at", "member__name", "member__slug", "period__code",
              "action__code", "action__order", "action__goal_id")
        .order_by("action__goal__order", "action__order", "action__code")
    )
    rows = []
    for update in updates:
        text = update.narrative.strip()
        rows.append({
            "action": update.action.code, "member": update.member.name, "member_slug": update.member.slug,
            "period": update.period.code, "update_id": update.pk, "is_demo": update.is_demo,
            "text": text if len(text) <= NARRATIVE_CHARS else text[:NARRATIVE_CHARS].rstrip() + "…",
        })
    return rows


# What changed between two snapshots ------------------------------------------------------------


def snapshot_diff(before: dict, after: dict) -> list[dict]:
    """The figures that differ between two snapshots (either version), as data:
    [{"key", "code", "before", "after"}], plan first. `key` says which figure
    (plan_progress, compliance, goal_progress, action_progress, action_status,
    region_compliance, early_warning); percentages are whole numbers or None,
    statuses and warnings are keys; report_view puts them into words."""
    changes = []

    def compare(key: str, code: str, old, new):
        if old != new:
            changes.append({"key": key, "code": code, "before": old, "after": new})

    compare("plan_progress", "", before["plan_progress"].get("percent"), after["plan_progress"].get("percent"))
    compare("compliance", after["meta"]["period"]["code"],
            before["compliance"]["period"].get("percent"), after["compliance"]["period"].get("percent"))
    old_goals = {goal["code"]: goal for goal in before.get("goals", [])}
    for goal in after.get("goals", []):
        compare("goal_progress", goal["code"], old_goals.get(goal["code"], {}).get("percent"), goal["percent"])
    old_actions = {action["code"]: action for action in before.get("actions", [])}
    for action in after.get("actions", []):
        old = old_actions.get(action["code"], {})
        compare("action_progress", action["code"], old.get("percent"), action["percent"])
        compare("action_status", action["code"], old.get("status"), action["status"])
    old_regions = {row["slug"]: row for row in before["compliance"].get("by_region", [])}
    for row in after["compliance"].get("by_region", []):
        compare("region_compliance", row["slug"], old_regions.get(row["slug"], {}).get("percent"), row["percent"])
    old_warnings = {(w["action"], w["indicator"]) for w in before.get("early_warnings", [])}
    new_warnings = {(w["action"], w["indicator"]) for w in after.get("early_warnings", [])}
    for _action, indicator in sorted(new_warnings - old_warnings):
        changes.append({"key": "early_warning", "code": indicator, "before": "none", "after": "flagged"})
    for _action, indicator in sorted(old_warnings - new_warnings):
        changes.append({"key": "early_warning", "code": indicator, "before": "flagged", "after": "cleared"})
    return changes
