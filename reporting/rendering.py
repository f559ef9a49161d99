"""A report's snapshot rendered to HTML (a template), PDF (WeasyPrint, from
that HTML), XLSX (openpyxl) and CSV. Rendering reads the snapshot only, never
the database, so every format holds the same figures."""

import io
import logging

from django.conf import settings
from django.template.loader import render_to_string
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from metroplan.spreadsheets import csv_writer, xlsx_cell

PERCENT_FORMAT = "0.0%"
# WeasyPrint logs every layout step at INFO; a worker's log needs only its warnings.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


def _context(snapshot: dict) -> dict:
    return {"snapshot": snapshot, "language": get_language() or settings.LANGUAGE_CODE}


def render_html(snapshot: dict) -> str:
    """The report's body, as shown on its page (a fragment of the site's layout)."""
    return render_to_string("reporting/reports/report_body.html", _context(snapshot))


def render_document(snapshot: dict, body: str | None = None) -> str:
    """The report as a standalone HTML document with print styles, around
    `body` (the stored HTML of a built report, or rendered now)."""
    context = _context(snapshot)
    context["body"] = render_html(snapshot) if body is None else body
    return render_to_string("reporting/reports/report_document.html", context)


def render_pdf(snapshot: dict, body: str | None = None) -> bytes:
    from weasyprint import HTML  # imported here: it loads Pango, which only the worker needs

    # base_url None: the document references nothing outside itself, so nothing is fetched.
    return HTML(string=render_document(snapshot, body), base_url=None).write_pdf()


def _join(items) -> str:
    return "; ".join(
        f"{item['member']} ({item['why']})" if isinstance(item, dict) else str(item) for item in items or []
    )


def _sheet_rows(snapshot: dict) -> dict[str, tuple[list[str], list[list]]]:
    """Sheet name → (header, rows). Progress and compliance are fractions (shown as %)."""
    meta = snapshot["meta"]
    plan = snapshot["plan_progress"]
    compliance = snapshot["compliance"]
    summary = [
        [_("Plan"), meta["plan"]["name"]],
        [_("Report"), f"#{meta['report_id']} {meta['kind_label']}"],
        [_("Period"), meta["period"]["code"]],
        [_("Progress as of"), meta["as_of"]],
        [_("Compliance as of"), meta["compliance_on"]],
        [_("Built"), meta["generated_at"]],
        [_("Approved updates used"), meta["approved_updates_used"]],
        [_("Demo updates used"), meta["demo_updates_used"]],
        [_("Demo data"), meta["demo_note"]],
        [_("Plan progress"), plan["value"]],
        [_("Plan progress coverage"), plan["coverage"]],
        [_("Plan progress data gaps"), _join(plan["left_out"])],
        [_("Members without an approved update"), _join(plan["members_without_approved_update"])],
        [_("Compliance %(period)s") % {"period": meta["period"]["code"]}, compliance["period"]["value"]],
        [_("Compliance coverage"), compliance["period"]["coverage"]],
        [_("Compliance counts"), _join(compliance["period"]["inputs"])],
        [_("Compliance left out"), _join(compliance["period"]["left_out"])],
        [_("Corrects report"), meta["corrects"] or ""],
        [_("Correction: what changed and why"), meta["correction_note"]],
        *[[_("Actions %(status)s") % {"status": row["label"]}, row["count"]] for row in snapshot["status_mix"]],
    ]
    changes = snapshot.get("changes", {}).get("items", [])
    correction = snapshot.get("correction", {}).get("items", [])
    return {
        _("Summary"): ([_("Figure"), _("Value")], summary),
        _("Goals"): (
            [_("Goal"), _("Title"), _("Progress"), _("Actions"), _("Indicators without values"),
             _("Members without an approved update")],
            [[g["code"], g["title"], g["progress"], g["action_count"], _join(g["indicators_without_values"]),
              _join(g["members_without_approved_update"])] for g in snapshot["goals"]],
        ),
        _("Actions"): (
            [_("Action"), _("Goal"), _("Title"), _("Status"), _("Counted"), _("Progress"), _("Progress from"),
             _("Expected members"), _("Approved members"), _("Indicators without values"), _("Missing members")],
            [[a["code"], a["goal"], a["title"], a["status_label"], a["counted"], a["progress"], a["progress_from"],
              a["expected_members"], a["approved_members"], _join(a["indicators_without_values"]),
              _join(a["missing_members"])] for a in snapshot["actions"]],
        ),
        _("Indicators"): (
            [_("Indicator"), _("Action"), _("Name"), _("Unit"), _("Baseline"), _("Target"), _("Latest value"),
             _("Latest period end"), _("Members in latest value"), _("Progress"), _("Expected members"),
             _("Reported members"), _("Missing members")],
            [[i["code"], i["action"], i["name"], i["unit"], i["baseline"], i["target"], i["latest_value"],
              i["latest_period_end"], i["latest_members"], i["progress"], i["expected_members"],
              i["reported_members"], _join(i["missing_members"])] for i in snapshot["indicators"]],
        ),
        _("Early warnings"): (
            [_("Action"), _("Indicator"), _("Projected"), _("Target"), _("Periods"), _("Explanation")],
            [[w["action"], w["indicator"], w["projected"], w["target"], w["points"], w["explanation"]]
             for w in snapshot["early_warnings"]],
        ),
        _("Compliance by period"): (
            [_("Period"), _("Compliance"), _("Counts"), _("Left out"), _("Coverage")],
            [[r["period"], r["value"], _join(r["inputs"]), _join(r["left_out"]), r["coverage"]]
             for r in compliance["by_period"]],
        ),
        _("Compliance by region"): (
            [_("Region"), _("Compliance"), _("Counts"), _("Coverage"), _("Members that sent no update")],
            [[r["region"], r["value"], _join(r["inputs"]), r["coverage"], _join(r["members_missing"])]
             for r in compliance["by_region"]],
        ),
        _("Compliance by member"): (
            [_("Member"), _("Region"), _("Expected"), _("On time"), _("Late"), _("Excused"), _("Missing"),
             _("Not yet due"), _("Compliance"), _("Missing actions"), _("Not yet due actions")],
            [[m["member"], m["region"], m["expected"], m["on_time"], m["late"], m["excused"], m["missing"], m["due"],
              m["rate"], _join(m["missing_actions"]), _join(m["not_yet_due_actions"])]
             for m in compliance["by_member"]],
        ),
        _("Changes"): (
            [_("Figure"), _("Before"), _("Now")],
            [[_("Correction"), "", ""]] + [[c["figure"], c["before"], c["after"]] for c in correction]
            + [[_("Since the previous report"), "", ""]] + [[c["figure"], c["before"], c["after"]] for c in changes]
            if correction else [[c["figure"], c["before"], c["after"]] for c in changes],
        ),
    }


def render_xlsx(snapshot: dict) -> bytes:
    """One sheet per table of the report; fractions carry a % number format."""
    workbook = Workbook(write_only=True)
    bold = Font(bold=True)
    percent_columns = {_("Progress"), _("Compliance")}
    for title, (header, rows) in _sheet_rows(snapshot).items():
        sheet = workbook.create_sheet(title=str(title)[:31])
        header_cells = []
        for name in header:
            cell = xlsx_cell(sheet, str(name))
            cell.font = bold
            header_cells.append(cell)
        sheet.append(header_cells)
        percent_at = {index for index, name in enumerate(header) if str(name) in percent_columns}
        is_summary = str(title) == str(_("Summary"))
        for row in rows:
            cells = []
            for index, value in enumerate(row):
                cell = xlsx_cell(sheet, value)
                if index in percent_at or (is_summary and index == 1 and isinstance(value, float)):
                    cell.number_format = PERCENT_FORMAT
                cells.append(cell)
            sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _pct(value: float | None) -> str:
    return "" if value is None else f"{value * 100:.1f}"


def render_csv(snapshot: dict) -> str:
    """One row per figure (long format): section, code, name, figure, value,
    unit, coverage, data gaps. Percentages are 0–100 with one decimal."""
    out = io.StringIO()
    writer = csv_writer(out)
    writer.writerow(["section", "code", "name", "figure", "value", "unit", "coverage", "data_gaps"])
    meta = snapshot["meta"]
    plan = snapshot["plan_progress"]
    compliance = snapshot["compliance"]
    period = meta["period"]["code"]
    writer.writerow(["report", meta["report_id"], meta["plan"]["name"], "period", period, "", "",
                     meta["demo_note"]])
    writer.writerow(["plan", meta["plan"]["code"], meta["plan"]["name"], "progress", _pct(plan["value"]), "%",
                     plan["coverage"], _join(plan["left_out"] + plan["members_without_approved_update"])])
    writer.writerow(["plan", meta["plan"]["code"], meta["plan"]["name"], f"compliance {period}",
                     _pct(compliance["period"]["value"]), "%", compliance["period"]["coverage"],
                     _join(f"{m['member']}: {', '.join(m['actions'])}"
                           for m in compliance["period"]["members_missing"])])
    for goal in snapshot["goals"]:
        writer.writerow(["goal", goal["code"], goal["title"], "progress", _pct(goal["progress"]), "%", "",
                         _join(goal["indicators_without_values"] + goal["members_without_approved_update"])])
    for action in snapshot["actions"]:
        writer.writerow(["action", action["code"], action["title"], "progress", _pct(action["progress"]), "%",
                         f"{action['approved_members']} of {action['expected_members']} members approved",
                         _join(action["missing_members"])])
    for row in snapshot["indicators"]:
        coverage = f"{row['reported_members']} of {row['expected_members']} members reported in {period}"
        writer.writerow(["indicator", row["code"], row["name"], "latest value",
                         "" if row["latest_value"] is None else row["latest_value"], row["unit"], coverage,
                         _join(row["missing_members"])])
        writer.writerow(["indicator", row["code"], row["name"], "progress", _pct(row["progress"]), "%", coverage, ""])
    for row in compliance["by_period"]:
        writer.writerow(["compliance_period", row["period"], row["period"], "compliance", _pct(row["value"]), "%",
                         row["coverage"], _join(row["left_out"])])
    for row in compliance["by_region"]:
        writer.writerow(["compliance_region", row["slug"], row["region"], f"compliance {period}",
                         _pct(row["value"]), "%", row["coverage"], _join(row["members_missing"])])
    for row in compliance["by_member"]:
        writer.writerow(["compliance_member", "", row["member"], f"compliance {period}", _pct(row["rate"]), "%",
                         f"{row['on_time']} on time, {row['late']} late, {row['missing']} missing of "
                         f"{row['expected']} expected", _join(row["missing_actions"])])
    for warning in snapshot["early_warnings"]:
        writer.writerow(["early_warning", warning["indicator"], warning["indicator_name"], "projected",
                         warning["projected"], warning["unit"], "", warning["explanation"]])
    for change in snapshot.get("correction", {}).get("items", []):
        writer.writerow(["correction", "", change["figure"], "changed", change["after"], "", "",
                         f"before: {change['before']}"])
    for change in snapshot.get("changes", {}).get("items", []):
        writer.writerow(["change", "", change["figure"], "changed", change["after"], "", "",
                         f"before: {change['before']}"])
    return out.getvalue()
