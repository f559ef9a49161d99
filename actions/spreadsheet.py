"""The plan as a spreadsheet, the file format both ways: XLSX (openpyxl) and
CSV export, and reading an edited XLSX back into checked rows, which
`actions.plan_import` applies through the services.

Sheets: Goals, Actions, Indicators (imported) and Participants (export only).
Each goal, action and indicator row carries the `version` it was exported at, so
an import does not overwrite a change made in metroplan since the download.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError as InputError
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from actions.languages import translated
from actions.models import Action, Goal, Indicator, Milestone, Participation
from metroplan.numbers import parse_decimal_input
from metroplan.services import ValidationError
from metroplan.spreadsheets import SpreadsheetRefused, csv_writer, xlsx_append, xlsx_open, xlsx_rows

GOAL_COLUMNS = ["code", "order", *translated("title", "description"), "retired", "version", "delete"]
ACTION_COLUMNS = [
    "code", "goal", "order", *translated("title", "description"), "lead", "start_date", "end_date", "status",
    "weight", "sdgs", "retired", "version", "delete",
]
INDICATOR_COLUMNS = [
    "action", "code", "order", *translated("name", "description"), "unit", "baseline", "target", "direction",
    "milestones", "retired", "version", "delete",
]
PARTICIPANT_COLUMNS = ["action", "member", "member_name", "region"]
SHEETS = {"Goals": GOAL_COLUMNS, "Actions": ACTION_COLUMNS, "Indicators": INDICATOR_COLUMNS}
REQUIRED = {"Goals": ["code"], "Actions": ["code", "goal"], "Indicators": ["action", "code"]}


def _yes(value: bool) -> str:
    return "yes" if value else ""


def _number(value: Decimal):
    return float(value) if value is not None else None


def plan_rows(plan) -> dict[str, list[list]]:
    """The plan as {sheet: [header, row, ...]}: a fixed number of queries."""
    goals = Goal.objects.filter(plan=plan).order_by("order", "code")
    actions = (
        Action.objects.filter(goal__plan=plan)
        .select_related("goal", "lead")
        .prefetch_related("sdgs")
        .order_by("goal__order", "order", "code")
    )
    indicators = (
        Indicator.objects.filter(action__goal__plan=plan)
        .select_related("action")
        .prefetch_related("milestones")
        .order_by("action__goal__order", "action__order", "action__code", "order", "code")
    )
    participations = (
        Participation.objects.filter(action__goal__plan=plan)
        .select_related("action", "member__region")
        .order_by("action__goal__order", "action__order", "action__code", "member__name")
    )
    sheets = {
        "Goals": [GOAL_COLUMNS]
        + [
            [g.code, g.order, *[getattr(g, n) or "" for n in translated("title", "description")], _yes(g.retired),
             g.version, ""]
            for g in goals
        ],
        "Actions": [ACTION_COLUMNS]
        + [
            [a.code, a.goal.code, a.order, *[getattr(a, n) or "" for n in translated("title", "description")],
             a.lead.get_username() if a.lead else "", a.start_date, a.end_date, a.status, a.weight,
             ", ".join(str(s.number) for s in a.sdgs.all()), _yes(a.retired), a.version, ""]
            for a in actions
        ],
        "Indicators": [INDICATOR_COLUMNS]
        + [
            [i.action.code, i.code, i.order, *[getattr(i, n) or "" for n in translated("name", "description")],
             i.unit, _number(i.baseline), _number(i.target), i.direction, format_milestones(i.milestones.all()),
             _yes(i.retired), i.version, ""]
            for i in indicators
        ],
        "Participants": [PARTICIPANT_COLUMNS]
        + [[p.action.code, p.member.slug, p.member.name, p.member.region.name] for p in participations],
    }
    return sheets


def export_xlsx(plan) -> bytes:
    workbook = Workbook()
    readme = workbook.active
    readme.title = "About"
    for line in [
        [plan.name, plan.code],
        [_("Edit the Goals, Actions and Indicators sheets and upload the file at /plan/import/.")],
        [_("Rows are matched by code. New codes create items; rows left out are left alone.")],
        [_("Write 'yes' in the delete column to delete an item (refused for actions with progress updates).")],
        [_("Keep the version column: it stops an upload from overwriting a newer change made in metroplan.")],
        [_("Milestones: 'year: value; year: value'. SDGs: numbers separated by commas.")],
        [_("The Participants sheet is for reading; participants are edited on the action's page.")],
    ]:
        xlsx_append(readme, line)
    readme["A1"].font = Font(bold=True)
    for title, rows in plan_rows(plan).items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            xlsx_append(sheet, row)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def export_csv(plan, sheet: str | None = None) -> str:
    """One sheet as CSV, or (no sheet) all of them stacked with a `record` column."""
    sheets = plan_rows(plan)
    out = io.StringIO()
    writer = csv_writer(out)
    if sheet:
        for row in sheets[sheet]:
            writer.writerow([_csv_cell(v) for v in row])
        return out.getvalue()
    for title, rows in sheets.items():
        for index, row in enumerate(rows):
            writer.writerow(["record" if index == 0 else title.lower().rstrip("s"), *[_csv_cell(v) for v in row]])
    return out.getvalue()


def _csv_cell(value):
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return "" if value is None else value


# --- reading an uploaded workbook ---------------------------------------------------


class SpreadsheetError(ValueError):
    """The file is not a plan workbook at all (not XLSX, sheets or columns missing)."""


@dataclass
class SheetRow:
    sheet: str
    number: int  # the spreadsheet's row number, for messages
    values: dict = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    def has(self, column: str) -> bool:
        return column in self.values

    @property
    def delete(self) -> bool:
        return str(self.values.get("delete") or "").strip().lower() in {"yes", "y", "true", "1", "x"}


def read_workbook(content: bytes) -> dict[str, list[SheetRow]]:
    """Rows of the Goals, Actions and Indicators sheets, keyed by column name,
    with cell types checked. Raises SpreadsheetError for a file that is not a
    plan workbook."""
    try:
        workbook = xlsx_open(content)
    except SpreadsheetRefused as exc:
        raise SpreadsheetError(exc.message) from exc
    try:
        return _read_sheets(workbook)
    except SpreadsheetRefused as exc:
        raise SpreadsheetError(exc.message) from exc
    finally:
        workbook.close()


def _read_sheets(workbook) -> dict[str, list[SheetRow]]:
    result: dict[str, list[SheetRow]] = {}
    for title, columns in SHEETS.items():
        if title not in workbook.sheetnames:
            raise SpreadsheetError(_("The sheet '%(sheet)s' is missing.") % {"sheet": title})
        rows = xlsx_rows(workbook[title])
        header = [str(c).strip().lower() if c is not None else "" for c in next(rows, [])]
        missing = [c for c in REQUIRED[title] if c not in header]
        if missing:
            raise SpreadsheetError(
                _("The sheet '%(sheet)s' has no column %(columns)s.") % {"sheet": title, "columns": ", ".join(missing)}
            )
        unknown = [c for c in header if c and c not in columns]
        if unknown:
            raise SpreadsheetError(
                _("The sheet '%(sheet)s' has unknown columns: %(columns)s.")
                % {"sheet": title, "columns": ", ".join(unknown)}
            )
        parsed = []
        for number, cells in enumerate(rows, start=2):
            if cells is None or all(c is None or str(c).strip() == "" for c in cells):
                continue
            row = SheetRow(title, number)
            for name, cell in zip(header, cells, strict=False):
                if name:
                    row.values[name] = _convert(row, name, cell)
            parsed.append(row)
        result[title] = parsed
    return result


DATE_COLUMNS = {"start_date", "end_date"}
DECIMAL_COLUMNS = {"baseline", "target"}
INT_COLUMNS = {"order", "version", "weight"}


def _convert(row: SheetRow, name: str, cell):
    if cell is None:
        return None
    if name in DATE_COLUMNS:
        if isinstance(cell, datetime):
            return cell.date()
        if isinstance(cell, date):
            return cell
        try:
            return date.fromisoformat(str(cell).strip())
        except ValueError:
            row.errors.append(
                _("%(column)s: '%(value)s' is not a date (YYYY-MM-DD).") % {"column": name, "value": cell}
            )
            return None
    if name in DECIMAL_COLUMNS:
        # A numeric cell stays a number; a text cell is read in the uploader's language, never rounded.
        column = Indicator._meta.get_field(name)
        try:
            return parse_decimal_input(
                cell, language=get_language(), decimal_places=column.decimal_places, max_digits=column.max_digits
            )
        except InputError as exc:
            row.errors.append("%s: %s" % (name, " ".join(exc.messages)))
            return None
    if name in INT_COLUMNS:
        try:
            number = Decimal(str(cell).strip())
            if number != number.to_integral_value() or number < 0:
                raise InvalidOperation
            return int(number)
        except InvalidOperation:
            row.errors.append(_("%(column)s: '%(value)s' is not a whole number.") % {"column": name, "value": cell})
            return None
    if isinstance(cell, float) and cell.is_integer() and name in {"code", "goal", "action"}:
        return str(int(cell))
    return str(cell).strip()


# --- milestones in one cell -----------------------------------------------------------


def parse_milestones(text: str) -> dict[int, Decimal]:
    """'2022: 40; 2023: 80' → {2022: Decimal('40'), 2023: Decimal('80')} (spreadsheet cells)."""
    result: dict[int, Decimal] = {}
    for part in str(text or "").replace("\n", ";").split(";"):
        part = part.strip()
        if not part:
            continue
        year, sep, value = part.partition(":")
        try:
            if not sep:
                raise ValueError
            result[int(year.strip())] = Decimal(value.strip())
        except (ValueError, InvalidOperation) as exc:
            raise ValidationError(
                {"milestones": [_("Write milestones as 'year: value; year: value', not '%(part)s'.") % {"part": part}]}
            ) from exc
    return result


def format_milestones(milestones: Iterable[Milestone]) -> str:
    return "; ".join(f"{m.year}: {m.value.normalize():f}" for m in milestones)
