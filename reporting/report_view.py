"""A report's snapshot in the words of one language: what every rendering
(HTML, PDF, slide deck, XLSX, CSV) reads.

The snapshot (reporting/snapshot.py) is data: numbers, codes, keys and the
plan's texts in every language. `ReportView(snapshot, language)` turns it into
labels, sentences, numbers and dates of that language, at render time, with
the figures engine's own explanations (`compliance_figure`, `progress_figure`)
made again from the frozen counts; so a report reads the same numbers in
English, French and Spanish. Build it inside `translation.override(language)`
(the renderers do).

Version 1 snapshots hold English sentences (rules, coverage, gap reasons,
status labels): they are shown as they are, the rest in the language asked for.

To show a new figure: add its numbers to the snapshot, then a property here;
the templates and exporters read the view, never the snapshot's raw keys.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from functools import cached_property
from types import SimpleNamespace

from babel.numbers import format_decimal, format_percent
from django.conf import settings
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, to_locale

from actions.disaggregation import BREAKDOWNS
from actions.models import Action
from actions.translation import PlanText, content_html, html_sentence
from members.names import region_name
from reporting.figures import COMPLIANCE_RULE, PROGRESS_RULE, EarlyWarning, compliance_figure
from reporting.figures.engine import progress_figure
from reporting.models import Report

GAP_LABELS = {
    "missing": gettext_lazy("no update"),
    "due": gettext_lazy("not yet due"),
    "on_time": gettext_lazy("submitted, not yet approved"),
    "late": gettext_lazy("submitted late, not yet approved"),
    "excused": gettext_lazy("submitted late (excused), not yet approved"),
    "approved_without_value": gettext_lazy("approved update without a value"),
}
# Members printed in the PDF's annex table; every member is in the XLSX and CSV.
ANNEX_MEMBERS = 300
# Highlighted narratives printed per goal page.
BREAKDOWN_BY_KEY = {breakdown.key: breakdown for breakdown in BREAKDOWNS}
NARRATIVES_PER_GOAL = 2


def babel_locale(language: str) -> str:
    return to_locale(language or settings.LANGUAGE_CODE).split("_")[0] or "en"


class Words:
    """Numbers, percentages and dates of one language (CLDR through Babel,
    Django's formats for dates): "22,5 %" in French, "22.5%" in English."""

    def __init__(self, language: str):
        self.language = language
        self.locale = babel_locale(language)

    def pct(self, fraction) -> str:
        """A 0..1 fraction as a percentage with at most one decimal; "—" for none."""
        if fraction is None or fraction == "":
            return "—"
        value = Decimal(str(round(float(fraction), 3)))
        return format_percent(value, locale=self.locale, decimal_quantization=False)

    def whole_pct(self, percent) -> str:
        """A snapshot's whole `percent` (0..100)."""
        if percent is None or percent == "":
            return "—"
        if isinstance(percent, str):  # a version 1 change item ("55%")
            return percent
        return format_percent(Decimal(percent) / 100, locale=self.locale)

    def num(self, value, places: int = 2) -> str:
        if value is None or value == "":
            return "—"
        return format_decimal(Decimal(str(round(float(value), places))), locale=self.locale,
                              decimal_quantization=False)

    def day(self, iso) -> str:
        if not iso:
            return "—"
        day = iso if isinstance(iso, date) else date.fromisoformat(str(iso)[:10])
        return date_format(day, "DATE_FORMAT")

    def moment(self, iso) -> str:
        moment = iso if isinstance(iso, datetime) else parse_datetime(str(iso))
        if moment is None:
            return str(iso)
        if timezone.is_aware(moment):
            moment = timezone.localtime(moment)
        return date_format(moment, "DATETIME_FORMAT")


def pick(text, language: str) -> str:
    """Plan content from a snapshot: {"en": …, "fr": …} in `language`, else
    English, else any; a plain string (version 1) as it is. The text knows its
    language (PlanText), so that the HTML marks a fallback (`|content`)."""
    if isinstance(text, dict):
        for code in (language, settings.LANGUAGE_CODE, *text):
            if text.get(code):
                return PlanText(text[code], code)
        return ""
    return text or ""


def gap_text(item) -> str:
    """One gap: "C South City (no update)"; a plain name stays a name."""
    if not isinstance(item, dict):
        return str(item)
    why = item.get("why", "")
    if why == "not_available":
        why = _("not available: %(reason)s") % {"reason": item.get("reason", "")}
    elif why in GAP_LABELS:
        why = str(GAP_LABELS[why])
    return f"{item['member']} ({why})" if why else item["member"]


def shortened(items, limit: int) -> str:
    """"A, B (why), C and 14 more": only the first `limit` are put into words."""
    if not items:
        return ""
    shown = ", ".join(gap_text(item) for item in items[:limit])
    if len(items) <= limit:
        return shown
    return _("%(shown)s and %(more)s more") % {"shown": shown, "more": len(items) - limit}


def joined(items) -> str:
    """Every item, for the XLSX and CSV cells."""
    return "; ".join(gap_text(item) for item in items or [])


def status_label(status: str) -> str:
    try:
        return str(Action.Status(status).label)
    except ValueError:
        return status or ""


def explain(figure: dict) -> SimpleNamespace:
    """A figure's rule, inputs, what was left out and its coverage, in the
    active language: made again by the engine from the frozen counts
    (version 2), or the stored English sentences (version 1)."""
    rule = figure.get("rule")
    if rule == "compliance" and "counts" in figure:
        made = compliance_figure(figure["counts"])
    elif rule == "progress":
        made = progress_figure(
            figure.get("value"), actions=figure.get("actions", 0), actions_left_out=figure.get("actions_left_out", 0),
            indicators=figure.get("indicators", 0), without_values=figure.get("indicators_without_values", []),
            group=True,
        )
    else:
        return SimpleNamespace(rule=rule or "", inputs=figure.get("inputs", []), left_out=figure.get("left_out", []),
                               coverage=figure.get("coverage", ""))
    return SimpleNamespace(rule=str(made.rule), inputs=made.inputs, left_out=made.left_out, coverage=made.coverage)


class ReportView:
    """The report of `snapshot` in `language` (see the module's docstring)."""

    def __init__(self, snapshot: dict, language: str):
        self.snapshot = snapshot
        self.language = language
        self.words = Words(language)
        self.version = snapshot.get("version", 1)

    def text(self, value) -> str:
        return pick(value, self.language)

    # The report as a whole -------------------------------------------------------------------

    @cached_property
    def meta(self) -> SimpleNamespace:
        meta, w = self.snapshot["meta"], self.words
        period = meta["period"]
        kind = meta.get("kind", "")
        try:
            kind_label = str(Report.Kind(kind).label)
        except ValueError:
            kind_label = meta.get("kind_label", kind)
        demo = meta.get("demo_updates_used", 0)
        return SimpleNamespace(
            report_id=meta["report_id"], plan_code=meta["plan"]["code"], plan_name=self.text(meta["plan"]["name"]),
            kind=kind, kind_label=kind_label, period=period["code"], start=w.day(period["start"]),
            end=w.day(period["end"]), deadline=w.day(period["deadline"]), as_of=w.day(meta["as_of"]),
            compliance_on=w.day(meta["compliance_on"]), generated_at=w.moment(meta["generated_at"]),
            approved_updates_used=meta.get("approved_updates_used", 0), demo_updates_used=demo,
            demo_note=(
                _("This report is built over demo data: %(n)s of the approved updates it uses are demo updates, "
                  "not members' real reports.") % {"n": demo} if demo else ""
            ),
            corrects=meta.get("corrects"), correction_note=meta.get("correction_note", ""),
            elapsed=meta.get("elapsed"), elapsed_text=w.pct(meta.get("elapsed")) if "elapsed" in meta else "",
            title=_("Progress report %(period)s") % {"period": period["code"]},
        )

    @cached_property
    def rules(self) -> SimpleNamespace:
        plan = self.snapshot["plan_progress"]
        compliance = self.snapshot["compliance"]["period"]
        progress_rule = str(PROGRESS_RULE) if plan.get("rule") in ("progress", None) else plan["rule"]
        compliance_rule = str(COMPLIANCE_RULE) if compliance.get("rule") in ("compliance", None) else compliance["rule"]
        return SimpleNamespace(progress=progress_rule, compliance=compliance_rule)

    @cached_property
    def plan(self) -> SimpleNamespace:
        figure = self.snapshot["plan_progress"]
        explained = explain(figure)
        members = figure.get("members_without_approved_update", [])
        return SimpleNamespace(
            value=figure.get("value"), percent=self.words.pct(figure.get("value")), coverage=explained.coverage,
            left_out=explained.left_out, inputs=explained.inputs, members_without=members,
            members_without_text=shortened(members, 6),
        )

    @cached_property
    def compliance(self) -> SimpleNamespace:
        return self._compliance(self.snapshot["compliance"]["period"])

    def _compliance(self, figure: dict) -> SimpleNamespace:
        explained = explain(figure)
        return SimpleNamespace(
            value=figure.get("value"), percent=self.words.pct(figure.get("value")), coverage=explained.coverage,
            inputs=explained.inputs, left_out=explained.left_out, counts=figure.get("counts"),
        )

    @cached_property
    def members_missing(self) -> list[dict]:
        return self.snapshot["compliance"]["period"].get("members_missing", [])

    @cached_property
    def status_mix(self) -> list[SimpleNamespace]:
        return [SimpleNamespace(status=row["status"], label=status_label(row["status"]) or row.get("label", ""),
                                count=row["count"])
                for row in self.snapshot.get("status_mix", [])]

    # Goals, actions, indicators ----------------------------------------------------------------

    @cached_property
    def indicators(self) -> list[SimpleNamespace]:
        w = self.words
        rows = []
        for row in self.snapshot.get("indicators", []):
            unit = self.text(row.get("unit", ""))
            places = row.get("decimals", 2)  # as the indicator shows its values (a count: whole numbers)
            rows.append(SimpleNamespace(
                code=row["code"], action=row["action"], name=self.text(row["name"]), unit=unit, decimals=places,
                baseline=row.get("baseline"), target=row.get("target"), direction=row.get("direction"),
                baseline_text=w.num(row.get("baseline"), places), target_text=w.num(row.get("target"), places),
                latest_value=row.get("latest_value"), latest_text=w.num(row.get("latest_value"), places),
                latest_members=row.get("latest_members", 0), latest_end=w.day(row.get("latest_period_end")),
                latest_period_end=row.get("latest_period_end"),
                progress=row.get("progress"), percent=w.pct(row.get("progress")), counted=row.get("counted", True),
                expected_members=row.get("expected_members", 0), reported_members=row.get("reported_members", 0),
                missing=row.get("missing_members", []), missing_text=shortened(row.get("missing_members", []), 3),
                series=row.get("series", []), milestones=row.get("milestones", []),
                splits=self._splits(row.get("split", []), places),
            ))
        return rows

    def _splits(self, splits: list[dict], places: int) -> list[SimpleNamespace]:
        """An indicator's split by sex and age group, in this language's words."""
        w = self.words
        shown = []
        for split in splits:
            breakdown = BREAKDOWN_BY_KEY.get(split["breakdown"])
            if breakdown is None:
                continue
            total = split.get("total") or 0
            parts = [
                SimpleNamespace(label=str(label), value_text=w.num(split["parts"].get(name), places),
                                percent=w.pct(split["parts"].get(name) / total) if total and split["parts"].get(
                                    name) is not None else "—")
                for name, label in breakdown.parts
            ]
            shown.append(SimpleNamespace(key=breakdown.key, label=str(breakdown.label), period=split["period"],
                                         members=split["members"], without_parts=split.get("without_parts", 0),
                                         total=split.get("total"), total_text=w.num(total, places), parts=parts,
                                         values={name: split["parts"].get(name) for name in breakdown.names}))
        return shown

    @cached_property
    def actions(self) -> list[SimpleNamespace]:
        w = self.words
        indicators: dict[str, list] = {}
        for indicator in self.indicators:
            indicators.setdefault(indicator.action, []).append(indicator)
        commentary = self.snapshot.get("commentary", {}).get("actions", {})
        rows = []
        for row in self.snapshot.get("actions", []):
            rows.append(SimpleNamespace(
                code=row["code"], goal=row["goal"], title=self.text(row["title"]), status=row.get("status", ""),
                status_label=status_label(row.get("status", "")) or row.get("status_label", ""),
                counted=row.get("counted", True), progress=row.get("progress"), percent=w.pct(row.get("progress")),
                from_status=row.get("progress_from") == "status", weight=row.get("weight"),
                expected_members=row.get("expected_members", 0), approved_members=row.get("approved_members", 0),
                indicators_without_values=row.get("indicators_without_values", []),
                missing=row.get("missing_members", []), missing_text=shortened(row.get("missing_members", []), 3),
                indicator_list=indicators.get(row["code"], []),
                commentary=self.text(commentary.get(row["code"], "")),
            ))
        return rows

    @cached_property
    def narratives(self) -> list[SimpleNamespace]:
        return [SimpleNamespace(**row) for row in self.snapshot.get("narratives", [])]

    @cached_property
    def goals(self) -> list[SimpleNamespace]:
        from reporting import report_charts

        actions: dict[str, list] = {}
        for action in self.actions:
            actions.setdefault(action.goal, []).append(action)
        warnings: dict[str, list] = {}
        for warning in self.early_warnings:
            warnings.setdefault(warning.goal, []).append(warning)
        commentary = self.snapshot.get("commentary", {}).get("goals", {})
        rows = []
        for row in self.snapshot.get("goals", []):
            own = actions.get(row["code"], [])
            codes = {action.code for action in own}
            compliance = row.get("compliance")
            goal = SimpleNamespace(
                code=row["code"], title=self.text(row["title"]), progress=row.get("progress"),
                percent=self.words.pct(row.get("progress")), action_count=row.get("action_count", 0),
                actions=own, indicators=[i for action in own for i in action.indicator_list],
                indicators_without_values=row.get("indicators_without_values", []),
                members_without=row.get("members_without_approved_update", []),
                members_without_text=shortened(row.get("members_without_approved_update", []), 8),
                compliance=self._compliance(compliance) if compliance else None,
                regions=self._regions(compliance.get("by_region", [])) if compliance else [],
                warnings=warnings.get(row["code"], []),
                narratives=[n for n in self.narratives if n.action in codes][:NARRATIVES_PER_GOAL],
                commentary=self.text(commentary.get(row["code"], "")),
            )
            goal.has_commentary = bool(goal.commentary) or any(action.commentary for action in own)
            goal.charts = report_charts.goal_charts(goal, self)
            rows.append(goal)
        return rows

    def goal_of(self, action_code: str) -> str:
        for action in self.snapshot.get("actions", []):
            if action["code"] == action_code:
                return action["goal"]
        return action_code.split(".")[0]

    @cached_property
    def early_warnings(self) -> list[SimpleNamespace]:
        w = self.words
        rows = []
        for row in self.snapshot.get("early_warnings", []):
            unit = self.text(row.get("unit", ""))
            if "explanation" in row:  # version 1: the English sentence
                explanation = explanation_html = row["explanation"]
            else:  # the engine's sentence, with this language's date
                warning = EarlyWarning(
                    SimpleNamespace(end_date=w.day(row["end"])), SimpleNamespace(unit=unit),
                    row["projected"], row["target"], row["points"],
                )
                explanation, explanation_html = warning.explanation, warning.explanation_html
            rows.append(SimpleNamespace(
                action=row["action"], goal=self.goal_of(row["action"]), action_title=self.text(row["action_title"]),
                indicator=row["indicator"], indicator_name=self.text(row["indicator_name"]), unit=unit,
                projected=row["projected"], target=row["target"], projected_text=w.num(row["projected"]),
                target_text=w.num(row["target"]), points=row["points"], explanation=explanation,
                explanation_html=explanation_html,
                # HTML (the report's page and PDF): the unit marked with its language where it falls back.
                heading=html_sentence(_("heading for %(projected)s %(unit)s against a target of %(target)s"), {
                    "projected": w.num(row["projected"]), "unit": content_html(unit), "target": w.num(row["target"])}),
            ))
        return rows

    # Compliance ------------------------------------------------------------------------------------

    def _regions(self, rows: list[dict]) -> list[SimpleNamespace]:
        return [SimpleNamespace(name=region_name(row["region"]), slug=row["slug"],
                                members_missing=row.get("members_missing", []),
                                members_missing_text=shortened(row.get("members_missing", []), 8),
                                **vars(self._compliance(row)))
                for row in rows]

    @cached_property
    def regions(self) -> list[SimpleNamespace]:
        return self._regions(self.snapshot["compliance"].get("by_region", []))

    @cached_property
    def periods(self) -> list[SimpleNamespace]:
        return [SimpleNamespace(code=row["period"], end=row.get("end"), **vars(self._compliance(row)))
                for row in self.snapshot["compliance"].get("by_period", [])]

    def members(self):
        """Every member's compliance row, in the snapshot's order (by name), one at a time."""
        w = self.words
        for row in self.snapshot["compliance"].get("by_member", []):
            yield SimpleNamespace(
                member=row["member"], region=region_name(row.get("region", "")), expected=row.get("expected", 0),
                on_time=row.get("on_time", 0), late=row.get("late", 0), excused=row.get("excused", 0),
                missing=row.get("missing", 0), due=row.get("due", 0), rate=row.get("rate"),
                percent=w.pct(row.get("rate")), missing_actions=row.get("missing_actions", []),
                not_yet_due_actions=row.get("not_yet_due_actions", []),
            )

    @cached_property
    def member_count(self) -> int:
        return len(self.snapshot["compliance"].get("by_member", []))

    @cached_property
    def member_count_text(self) -> str:
        return self.words.num(self.member_count, 0)

    def annex_members(self) -> tuple[list[SimpleNamespace], bool]:
        """The members printed in the PDF's annex: all of them up to
        ANNEX_MEMBERS, else the ANNEX_MEMBERS with the lowest compliance (by
        name within a rate); and whether the list was cut."""
        rows = self.snapshot["compliance"].get("by_member", [])
        if len(rows) <= ANNEX_MEMBERS:
            return list(self.members()), False
        order = sorted(range(len(rows)), key=lambda i: (rows[i].get("rate") is None, rows[i].get("rate") or 0, i))
        keep = set(order[:ANNEX_MEMBERS])
        return [row for index, row in enumerate(self.members()) if index in keep], True

    # What changed ------------------------------------------------------------------------------------

    def _change(self, item: dict) -> SimpleNamespace:
        if "figure" in item:  # version 1: stored words
            return SimpleNamespace(figure=item["figure"], before=item["before"], after=item["after"])
        key, code, w = item["key"], item.get("code", ""), self.words
        before, after = item.get("before"), item.get("after")
        if key == "action_status":
            return SimpleNamespace(figure=_("Action %(code)s status") % {"code": code},
                                   before=status_label(before) if before else "—",
                                   after=status_label(after) if after else "—")
        if key == "early_warning":
            words = {"none": _("none"), "flagged": _("flagged"), "cleared": _("cleared")}
            return SimpleNamespace(figure=_("Early warning %(indicator)s") % {"indicator": code},
                                   before=words.get(before, before), after=words.get(after, after))
        if key == "plan_progress":
            figure = _("Plan progress")
        elif key == "compliance":
            figure = _("Compliance %(period)s") % {"period": code}
        elif key == "goal_progress":
            figure = _("Goal %(code)s progress") % {"code": code}
        elif key == "action_progress":
            figure = _("Action %(code)s progress") % {"code": code}
        elif key == "region_compliance":
            names = {row.slug: row.name for row in self.regions}
            figure = _("Compliance in %(region)s") % {"region": names.get(code, code)}
        else:
            figure = f"{key} {code}".strip()
        return SimpleNamespace(figure=figure, before=w.whole_pct(before), after=w.whole_pct(after))

    @cached_property
    def changes(self) -> SimpleNamespace:
        changes = self.snapshot.get("changes") or {}
        previous = changes.get("previous")
        return SimpleNamespace(
            previous=SimpleNamespace(id=previous["id"], period=previous["period"],
                                     as_of=self.words.day(previous["as_of"])) if previous else None,
            items=[self._change(item) for item in changes.get("items", [])],
        )

    @cached_property
    def correction(self) -> SimpleNamespace | None:
        correction = self.snapshot.get("correction")
        if not correction:
            return None
        return SimpleNamespace(corrects=correction["corrects"], note=correction.get("note", ""),
                               items=[self._change(item) for item in correction.get("items", [])])

    @cached_property
    def moved(self) -> list[SimpleNamespace]:
        """What moved since the previous report, for the summary: the plan, the
        period's compliance and the goals first, then the rest, at most six."""
        order = {"plan_progress": 0, "compliance": 1, "goal_progress": 2, "early_warning": 3, "region_compliance": 4,
                 "action_status": 5, "action_progress": 6}
        items = (self.snapshot.get("changes") or {}).get("items", [])
        ranked = sorted(range(len(items)), key=lambda i: (order.get(items[i].get("key"), 9), i))
        return [self._change(items[i]) for i in ranked[:6]]

    # Data gaps ------------------------------------------------------------------------------------

    @cached_property
    def gaps(self) -> SimpleNamespace:
        gaps = self.snapshot.get("data_gaps", {})
        missing = gaps.get("members_missing_updates", [])
        unapproved = gaps.get("members_with_updates_not_approved", [])
        indicators = gaps.get("indicators_without_values", [])
        return SimpleNamespace(
            members_missing=missing, members_missing_text=shortened(missing, 20),
            members_unapproved=unapproved, members_unapproved_text=shortened(unapproved, 20),
            indicators=indicators, indicator_member_gaps=gaps.get("indicator_member_gaps", 0),
            sentences=[
                ngettext("%(n)s member sent no update for at least one expected action",
                         "%(n)s members sent no update for at least one expected action", len(missing))
                % {"n": len(missing)},
                ngettext("%(n)s member has updates not yet approved (not counted in progress)",
                         "%(n)s members have updates not yet approved (not counted in progress)", len(unapproved))
                % {"n": len(unapproved)},
                ngettext("%(n)s indicator has no approved value (counted as 0%%)",
                         "%(n)s indicators have no approved value (counted as 0%%)", len(indicators))
                % {"n": len(indicators)},
            ],
        )

    @cached_property
    def languages(self) -> list[tuple[str, str]]:
        return [(code, str(name)) for code, name in settings.LANGUAGES]
