"""A report's snapshot rendered, in one language, to HTML (a template), PDF
(WeasyPrint, from that HTML), XLSX (openpyxl, write-only) and CSV; the slide
deck is reporting/report_deck.py. Rendering reads the snapshot only, never the
database, through reporting.report_view, so every format and every language
holds the same figures.

Bounded and streamed, so that memory does not grow with the network: the
PDF's and page's member table is bounded (report_view.ANNEX_MEMBERS); the XLSX
and CSV rows are produced one at a time by generators (`xlsx_sheets`,
`csv_rows`) and written as they come, to a file (`write_xlsx`, `write_csv`)
or, for a small report or a test, to memory (`render_xlsx`, `render_csv`),
from the same generators.

Stable keys: each XLSX sheet's first row (hidden) holds its columns' keys and
the second their labels in the report's language; the CSV's columns are
CSV_COLUMNS, in that order, under a header of labels in the report's
language, and its `section` and `figure` columns hold keys. docs/reports.md
lists them.
"""

from __future__ import annotations

import base64
import io
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from actions.disaggregation import BREAKDOWNS
from metroplan.spreadsheets import csv_writer, xlsx_cell, xlsx_value
from reporting.report_view import ReportView, joined

PERCENT_FORMAT = "0.0%"
# WeasyPrint logs every layout step at INFO; a worker's log needs only its warnings.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


def report_view(snapshot: dict, language: str) -> ReportView:
    return ReportView(snapshot, language)


def _body_context(view: ReportView) -> dict:
    from reporting.report_charts import summary_charts

    members, cut = view.annex_members()
    return {"view": view, "charts": summary_charts(view), "members": members, "members_cut": cut}


def render_html(snapshot: dict, language: str) -> str:
    """The report's body in `language`, as shown on its page (a fragment of the site's layout)."""
    with translation.override(language):
        return render_to_string("reporting/reports/report_body.html", _body_context(report_view(snapshot, language)))


def render_document(snapshot: dict, language: str, body: str | None = None) -> str:
    """The report as a standalone HTML document in `language` (cover, print
    styles, page numbers), around `body` (rendered now if not given)."""
    with translation.override(language):
        view = report_view(snapshot, language)
        if body is None:
            body = render_to_string("reporting/reports/report_body.html", _body_context(view))
        return render_to_string("reporting/reports/report_document.html", {"view": view, "body": body})


# A chart as reporting.report_charts draws it: <svg class="chart" ...>...</svg>, never nested.
_CHART = re.compile(r'<svg class="chart" [^>]*aria-label="([^"]*)".*?</svg>', re.S)


def _charts_as_images(document: str) -> str:
    """The document as WeasyPrint is given it: each chart an <img> of the same
    SVG (a data: URL, drawn as the same vector paths and text) rather than
    inline, where WeasyPrint's HTML parser reads its ~1,200 elements and its
    style cascade styles them as HTML (~0.2 s of the 1x PDF). The page and
    the HTML download keep the inline SVG."""
    def image(match: re.Match) -> str:
        data = base64.b64encode(match.group(0).encode("utf-8")).decode("ascii")
        return f'<img class="chart" alt="{match.group(1)}" src="data:image/svg+xml;base64,{data}">'

    return _CHART.sub(image, document)


def load_renderers() -> None:
    """Load the PDF, slide-deck and workbook libraries now (WeasyPrint and its
    Pango, fontconfig's font list, python-pptx, openpyxl: ~0.7 s), so that a
    report's build does not: the worker calls this when its process starts
    (reporting/tasks.py), once for all the builds it will run."""
    from weasyprint import HTML

    from reporting import pdf_svg_text, report_deck  # noqa: F401 - loaded for the builds to come

    pdf_svg_text.install()
    HTML(string="<p>.</p>", base_url=None).write_pdf()  # Pango finds its fonts once


def render_pdf(snapshot: dict, language: str, document: str | None = None) -> bytes:
    """The briefing book in `language`: cover, executive summary, a page per
    goal with its charts (SVG, drawn as vector paths), data gaps, annex."""
    from weasyprint import HTML  # imported here: it loads Pango, which only the worker needs

    from reporting import pdf_svg_text

    pdf_svg_text.install()  # the charts' labels drawn a run at a time, not a letter at a time
    document = document if document is not None else render_document(snapshot, language)
    # base_url None: the document references nothing outside itself (the charts are data: URLs).
    return HTML(string=_charts_as_images(document), base_url=None).write_pdf()


# Spreadsheets ------------------------------------------------------------------------------------


@dataclass
class Sheet:
    key: str  # stable: the sheet's key (docs/reports.md)
    title: str  # in the report's language
    columns: list[tuple[str, object]]  # (stable key, label in the report's language)
    rows: Iterator[list]
    percent: frozenset = frozenset()  # keys of the columns holding 0..1 fractions


def _plain(value) -> str:
    return "" if value is None else value


def _summary_rows(view: ReportView) -> Iterator[list]:
    meta, plan, compliance = view.meta, view.plan, view.compliance
    yield ["plan", _("Plan"), meta.plan_name]
    yield ["report", _("Report"), f"#{meta.report_id} {meta.kind_label}"]
    yield ["period", _("Period"), meta.period]
    yield ["as_of", _("Progress as of"), view.snapshot["meta"]["as_of"]]
    yield ["compliance_on", _("Compliance as of"), view.snapshot["meta"]["compliance_on"]]
    yield ["built", _("Built"), meta.generated_at]
    yield ["approved_updates_used", _("Approved updates used"), meta.approved_updates_used]
    yield ["demo_updates_used", _("Demo updates used"), meta.demo_updates_used]
    yield ["demo_note", _("Demo data"), meta.demo_note]
    yield ["plan_progress", _("Plan progress"), plan.value]
    yield ["plan_progress_coverage", _("Plan progress coverage"), plan.coverage]
    yield ["plan_progress_gaps", _("Plan progress data gaps"), "; ".join(plan.left_out)]
    yield ["members_without_approved_update", _("Members without an approved update"), joined(plan.members_without)]
    yield ["compliance", _("Compliance %(period)s") % {"period": meta.period}, compliance.value]
    yield ["compliance_coverage", _("Compliance coverage"), compliance.coverage]
    yield ["compliance_counts", _("Compliance counts"), "; ".join(compliance.inputs)]
    yield ["compliance_left_out", _("Compliance left out"), "; ".join(compliance.left_out)]
    yield ["time_elapsed", _("Time elapsed"), meta.elapsed]
    yield ["corrects", _("Corrects report"), meta.corrects or ""]
    yield ["correction_note", _("Correction: what changed and why"), meta.correction_note]
    for row in view.status_mix:
        yield [f"actions_{row.status}", _("Actions %(status)s") % {"status": row.label}, row.count]


def xlsx_sheets(view: ReportView) -> Iterator[Sheet]:
    """The workbook's sheets, in a fixed order, each with its rows as a generator."""
    yield Sheet("summary", _("Summary"), [("key", _("Key")), ("figure", _("Figure")), ("value", _("Value"))],
                _summary_rows(view))
    yield Sheet(
        "goals", _("Goals"),
        [("goal", _("Goal")), ("title", _("Title")), ("progress", _("Progress")), ("actions", _("Actions")),
         ("indicators_without_values", _("Indicators without values")),
         ("members_without_approved_update", _("Members without an approved update"))],
        ([g.code, g.title, g.progress, g.action_count, joined(g.indicators_without_values), joined(g.members_without)]
         for g in view.goals),
        frozenset({"progress"}),
    )
    yield Sheet(
        "actions", _("Actions"),
        [("action", _("Action")), ("goal", _("Goal")), ("title", _("Title")), ("status", _("Status")),
         ("counted", _("Counted")), ("progress", _("Progress")), ("progress_from", _("Progress from")),
         ("expected_members", _("Expected members")), ("approved_members", _("Approved members")),
         ("indicators_without_values", _("Indicators without values")), ("missing_members", _("Missing members"))],
        ([a.code, a.goal, a.title, a.status_label, a.counted, a.progress,
          _("status") if a.from_status else _("indicators"), a.expected_members, a.approved_members,
          joined(a.indicators_without_values), joined(a.missing)] for a in view.actions),
        frozenset({"progress"}),
    )
    yield Sheet(
        "indicators", _("Indicators"),
        [("indicator", _("Indicator")), ("action", _("Action")), ("name", _("Name")), ("unit", _("Unit")),
         ("baseline", _("Baseline")), ("target", _("Target")), ("latest_value", _("Latest value")),
         ("latest_period_end", _("Latest period end")), ("latest_members", _("Members in latest value")),
         ("progress", _("Progress")), ("expected_members", _("Expected members")),
         ("reported_members", _("Reported members")), ("missing_members", _("Missing members")),
         *_split_columns()],
        ([i.code, i.action, i.name, i.unit, i.baseline, i.target, i.latest_value, _plain(i.latest_period_end),
          i.latest_members, i.progress, i.expected_members, i.reported_members, joined(i.missing),
          *_split_cells(i)]
         for i in view.indicators),
        frozenset({"progress"}),
    )
    yield Sheet(
        "early_warnings", _("Early warnings"),
        [("action", _("Action")), ("indicator", _("Indicator")), ("projected", _("Projected")),
         ("target", _("Target")), ("periods", _("Periods")), ("explanation", _("Explanation"))],
        ([w.action, w.indicator, w.projected, w.target, w.points, w.explanation] for w in view.early_warnings),
    )
    counts = [("on_time", _("On time")), ("late", _("Late")), ("excused", _("Excused")), ("missing", _("Missing")),
              ("due", _("Not yet due")), ("expected", _("Expected"))]

    def count_cells(row) -> list:
        return [(row.counts or {}).get(key, "") for key, _label in counts]

    yield Sheet(
        "compliance_by_period", _("Compliance by period"),
        [("period", _("Period")), ("compliance", _("Compliance")), *counts, ("coverage", _("Coverage")),
         ("left_out", _("Left out"))],
        ([p.code, p.value, *count_cells(p), p.coverage, "; ".join(p.left_out)] for p in view.periods),
        frozenset({"compliance"}),
    )
    yield Sheet(
        "compliance_by_region", _("Compliance by region"),
        [("region", _("Region")), ("compliance", _("Compliance")), *counts, ("coverage", _("Coverage")),
         ("members_missing", _("Members that sent no update"))],
        ([r.name, r.value, *count_cells(r), r.coverage, joined(r.members_missing)] for r in view.regions),
        frozenset({"compliance"}),
    )
    yield Sheet(
        "compliance_by_member", _("Compliance by member"),
        [("member", _("Member")), ("region", _("Region")), ("expected", _("Expected")), ("on_time", _("On time")),
         ("late", _("Late")), ("excused", _("Excused")), ("missing", _("Missing")), ("due", _("Not yet due")),
         ("compliance", _("Compliance")), ("missing_actions", _("Missing actions")),
         ("not_yet_due_actions", _("Not yet due actions"))],
        ([m.member, m.region, m.expected, m.on_time, m.late, m.excused, m.missing, m.due, m.rate,
          joined(m.missing_actions), joined(m.not_yet_due_actions)] for m in view.members()),
        frozenset({"compliance"}),
    )
    yield Sheet(
        "changes", _("Changes"),
        [("section", _("Section")), ("figure", _("Figure")), ("before", _("Before")), ("now", _("Now"))],
        _change_rows(view),
    )
    yield Sheet(
        "narratives", _("Narratives"),
        [("action", _("Action")), ("member", _("Member")), ("period", _("Period")), ("demo", _("Demo data")),
         ("narrative", _("Narrative"))],
        ([n.action, n.member, n.period, n.is_demo, n.text] for n in view.narratives),
    )


def _split_columns() -> list[tuple[str, str]]:
    """The indicators sheet's split columns, after the others: per breakdown
    (sex, then age group) its period, members, members left out (a total
    without parts), total of the values with parts, and each part."""
    columns = []
    for breakdown in BREAKDOWNS:
        named = {"breakdown": breakdown.label}
        columns += [
            (f"{breakdown.key}_period", _("%(breakdown)s: period") % named),
            (f"{breakdown.key}_members", _("%(breakdown)s: members") % named),
            (f"{breakdown.key}_members_without_parts", _("%(breakdown)s: members without parts") % named),
            (f"{breakdown.key}_total", _("%(breakdown)s: total") % named),
            *((name, str(label)) for name, label in breakdown.parts),
        ]
    return columns


def _split_cells(indicator) -> list:
    """The split columns of one indicator: the frozen numbers, empty for a
    breakdown it does not ask for (or that has no approved parts yet)."""
    by_key = {split.key: split for split in indicator.splits}
    cells = []
    for breakdown in BREAKDOWNS:
        split = by_key.get(breakdown.key)
        if split is None:
            cells += [""] * (4 + len(breakdown.parts))
            continue
        cells += [split.period, split.members, split.without_parts, _plain(split.total),
                  *(_plain(split.values[name]) for name in breakdown.names)]
    return cells


def _change_rows(view: ReportView) -> Iterator[list]:
    if view.correction:
        for item in view.correction.items:
            yield [_("Correction"), item.figure, item.before, item.after]
    for item in view.changes.items:
        yield [_("Since the previous report"), item.figure, item.before, item.after]


def write_xlsx(snapshot: dict, language: str, target) -> None:
    """The workbook in `language`, written row by row (openpyxl's write-only
    mode keeps one row in memory) to `target` (a path or a binary file)."""
    with translation.override(language):
        view = report_view(snapshot, language)
        workbook = Workbook(write_only=True)
        bold = Font(bold=True)
        for sheet in xlsx_sheets(view):
            worksheet = workbook.create_sheet(title=str(sheet.title)[:31])
            worksheet.row_dimensions[1].hidden = True
            worksheet.freeze_panes = "A3"
            keys = [key for key, _label in sheet.columns]
            worksheet.append(keys)
            labels = []
            for _key, label in sheet.columns:
                cell = xlsx_cell(worksheet, str(label))
                cell.font = bold
                labels.append(cell)
            worksheet.append(labels)
            percent_at = {index for index, key in enumerate(keys) if key in sheet.percent}
            summary = sheet.key == "summary"
            for row in sheet.rows:
                cells = []
                for index, value in enumerate(row):
                    if index in percent_at or (summary and index == 2 and isinstance(value, float)):
                        cell = xlsx_cell(worksheet, value)
                        cell.number_format = PERCENT_FORMAT
                        cells.append(cell)
                    else:  # no style: the value as it is (or a quote-prefixed text cell)
                        cells.append(xlsx_value(worksheet, value))
                worksheet.append(cells)
        workbook.save(target)


def render_xlsx(snapshot: dict, language: str) -> bytes:
    """The workbook in memory (the same rows as write_xlsx)."""
    buffer = io.BytesIO()
    write_xlsx(snapshot, language, buffer)
    return buffer.getvalue()


# CSV --------------------------------------------------------------------------------------------

CSV_COLUMNS = ["section", "code", "name", "figure", "value", "unit", "coverage", "data_gaps"]


def _csv_labels() -> list[str]:
    return [_("Section"), _("Code"), _("Name"), _("Figure"), _("Value"), _("Unit"), _("Coverage"), _("Data gaps")]


def _pct(value: float | None) -> str:
    return "" if value is None else f"{value * 100:.1f}"


def csv_rows(view: ReportView) -> Iterator[list]:
    """One row per figure (long format), header first: section and figure are
    keys, value a number with a point (percentages 0–100, one decimal), the
    other columns words in the report's language."""
    yield _csv_labels()
    meta, plan, compliance = view.meta, view.plan, view.compliance
    period = meta.period
    yield ["report", meta.report_id, meta.plan_name, "period", period, "", "", meta.demo_note]
    yield ["plan", meta.plan_code, meta.plan_name, "progress", _pct(plan.value), "%", plan.coverage,
           "; ".join([*plan.left_out, *plan.members_without])]
    yield ["plan", meta.plan_code, meta.plan_name, f"compliance {period}", _pct(compliance.value), "%",
           compliance.coverage,
           "; ".join(f"{m['member']}: {', '.join(m['actions'])}" for m in view.members_missing)]
    for goal in view.goals:
        yield ["goal", goal.code, goal.title, "progress", _pct(goal.progress), "%", "",
               "; ".join([*goal.indicators_without_values, *goal.members_without])]
    for action in view.actions:
        coverage = _("%(approved)s of %(expected)s members approved") % {
            "approved": action.approved_members, "expected": action.expected_members}
        yield ["action", action.code, action.title, "progress", _pct(action.progress), "%", coverage,
               joined(action.missing)]
    for row in view.indicators:
        coverage = _("%(reported)s of %(expected)s members reported in %(period)s") % {
            "reported": row.reported_members, "expected": row.expected_members, "period": period}
        yield ["indicator", row.code, row.name, "latest value", "" if row.latest_value is None else row.latest_value,
               row.unit, coverage, joined(row.missing)]
        yield ["indicator", row.code, row.name, "progress", _pct(row.progress), "%", coverage, ""]
        for split in row.splits:
            split_coverage = _("%(breakdown)s, %(period)s: from %(members)s members' approved values") % {
                "breakdown": split.label, "period": split.period, "members": split.members}
            left_out = _("%(count)s members gave a total without parts") % {"count": split.without_parts} \
                if split.without_parts else ""
            yield ["indicator", row.code, row.name, f"{split.key}_total", _plain(split.total), row.unit,
                   split_coverage, left_out]
            for name, value in split.values.items():
                yield ["indicator", row.code, row.name, name, _plain(value), row.unit, split_coverage, left_out]
    for row in view.periods:
        yield ["compliance_period", row.code, row.code, "compliance", _pct(row.value), "%", row.coverage,
               "; ".join(row.left_out)]
    for row in view.regions:
        yield ["compliance_region", row.slug, row.name, f"compliance {period}", _pct(row.value), "%", row.coverage,
               joined(row.members_missing)]
    for row in view.members():
        coverage = _("%(on_time)s on time, %(late)s late, %(missing)s missing of %(expected)s expected") % {
            "on_time": row.on_time, "late": row.late, "missing": row.missing, "expected": row.expected}
        yield ["compliance_member", "", row.member, f"compliance {period}", _pct(row.rate), "%", coverage,
               joined(row.missing_actions)]
    for warning in view.early_warnings:
        yield ["early_warning", warning.indicator, warning.indicator_name, "projected", warning.projected,
               warning.unit, "", warning.explanation]
    before = _("before: %(value)s")
    if view.correction:
        for change in view.correction.items:
            yield ["correction", "", change.figure, "changed", change.after, "", "", before % {"value": change.before}]
    for change in view.changes.items:
        yield ["change", "", change.figure, "changed", change.after, "", "", before % {"value": change.before}]


def write_csv(snapshot: dict, language: str, target) -> None:
    """The CSV in `language`, written row by row to `target` (a text file)."""
    with translation.override(language):
        writer = csv_writer(target)
        for row in csv_rows(report_view(snapshot, language)):
            writer.writerow(row)


def render_csv(snapshot: dict, language: str) -> str:
    """The CSV in memory (the same rows as write_csv)."""
    out = io.StringIO()
    write_csv(snapshot, language, out)
    return out.getvalue()
