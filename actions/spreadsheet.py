"""The plan as a spreadsheet: XLSX (openpyxl) and CSV export, and reading an
edited XLSX back into rows for `actions.services.plan_import_*`.

Sheets: Goals, Actions, Indicators (imported) and Participants (export only).
Each goal, action and indicator row carries the `version` it was exported at, so
an import does not overwrite a change made in metroplan since the download.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from actions.models import Action, Goal, Indicator, Participation
from actions.services import format_milestones, translated
from metroplan.numbers import parse_decimal_input
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
        except ValidationError as exc:
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


# --- applying rows through the services ---------------------------------------------


@dataclass
class ImportChange:
    sheet: str
    row: int
    key: str
    kind: str  # create, update, delete
    changes: list = field(default_factory=list)


@dataclass
class ImportProblem:
    sheet: str | None
    row: int | None
    message: str


@dataclass
class ImportResult:
    """What an import changes (or would change) and what it refuses."""

    changes: list[ImportChange] = field(default_factory=list)
    errors: list[ImportProblem] = field(default_factory=list)
    unchanged: int = 0

    def add_error(self, sheet, row, message) -> None:
        self.errors.append(ImportProblem(sheet, row, str(message)))

    @property
    def ok(self) -> bool:
        return not self.errors

    def count(self, kind: str) -> int:
        return sum(1 for change in self.changes if change.kind == kind)

    @property
    def created(self) -> int:
        return self.count("create")

    @property
    def updated(self) -> int:
        return self.count("update")

    @property
    def deleted(self) -> int:
        return self.count("delete")


def _label(model, name: str) -> str:
    try:
        return str(model._meta.get_field(name).verbose_name)
    except Exception:  # noqa: BLE001 - columns that are not model fields (milestones)
        return name


def _shown(value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if hasattr(value, "code"):
        return value.code
    if hasattr(value, "get_username"):
        return value.get_username()
    return str(value)


class PlanImporter:
    """Applies the rows of a plan workbook through the services, row by row, each
    in a savepoint, collecting every error instead of stopping at the first. The
    caller rolls everything back when there is any error (or for a preview)."""

    def __init__(self, *, user, plan, result: ImportResult):
        from django.contrib.auth import get_user_model

        self.user, self.plan, self.result = user, plan, result
        self.users = {u.get_username(): u for u in get_user_model().objects.all()}
        self.deletions: list[tuple] = []

    def run(self, sheets: dict[str, list[SheetRow]]) -> None:
        for title, handler in (("Goals", self.goal), ("Actions", self.action), ("Indicators", self.indicator)):
            seen: dict[str, int] = {}
            for row in sheets[title]:
                key = self._key(row)
                if key in seen:
                    self.result.add_error(
                        title, row.number,
                        _("%(key)s appears twice in this sheet (rows %(first)s and %(second)s).")
                        % {"key": key, "first": seen[key], "second": row.number},
                    )
                    continue
                seen[key] = row.number
                if row.errors:
                    for message in row.errors:
                        self.result.add_error(title, row.number, message)
                    continue
                handler(row)
        # children before parents, so that a goal emptied in the same file can go
        order = {"Indicators": 0, "Actions": 1, "Goals": 2}
        for row, obj in sorted(self.deletions, key=lambda item: order[item[0].sheet]):
            self._step(row, lambda obj=obj, row=row: self._delete(row, obj))

    @staticmethod
    def _key(row: SheetRow) -> str:
        if row.sheet == "Indicators":
            return f"{row.values.get('action')} / {row.values.get('code')}"
        return str(row.values.get("code"))

    def _step(self, row: SheetRow, work) -> None:
        from metroplan.services import ServiceError, ValidationError

        try:
            with transaction.atomic():
                work()
        except ValidationError as exc:
            mapping = getattr(exc, "message_dict", None) or {None: exc.messages}
            for name, messages in mapping.items():
                for message in messages:
                    self.result.add_error(row.sheet, row.number, f"{name}: {message}" if name else message)
        except ServiceError as exc:
            self.result.add_error(row.sheet, row.number, exc.message)

    def _delete(self, row, obj) -> None:
        from actions.services import plan_item_delete

        plan_item_delete(user=self.user, obj=obj, expected_version=row.values.get("version"))
        self.result.changes.append(ImportChange(row.sheet, row.number, self._key(row), "delete"))

    def _record(self, row, kind, model, obj, data: dict) -> None:
        changes = []
        for name, value in data.items():
            old = getattr(obj, name, None) if obj is not None and name != "milestones" else None
            if name == "milestones" and obj is not None:
                from actions.services import format_milestones

                old = format_milestones(obj.milestones.all())
                value = "; ".join(f"{y}: {v.normalize():f}" for y, v in sorted(value.items()))
            changes.append((_label(model, name), _shown(old) if obj is not None else "—", _shown(value)))
        self.result.changes.append(ImportChange(row.sheet, row.number, self._key(row), kind, changes))

    @staticmethod
    def _retired(row):
        if not row.has("retired"):
            return None
        return str(row.values.get("retired") or "").strip().lower() in {"yes", "y", "true", "1", "x"}

    def _text_fields(self, row, names) -> dict:
        data = {}
        for name in names:
            if row.has(name):
                value = row.values[name]
                data[name] = "" if value is None else value
        return data

    def _missing(self, row, kind) -> None:
        self.result.add_error(row.sheet, row.number, _("There is no %(kind)s %(key)s to delete.") % {
            "kind": kind, "key": self._key(row)})

    # goals

    def goal(self, row: SheetRow) -> None:
        from actions import services

        code = row.values.get("code")
        if not code:
            self.result.add_error(row.sheet, row.number, _("code: a goal needs a code."))
            return
        goal = Goal.objects.filter(plan=self.plan, code=code).first()
        if row.delete:
            if goal is None:
                self._missing(row, _("goal"))
            else:
                self.deletions.append((row, goal))
            return
        data = self._text_fields(row, translated("title", "description"))
        if row.values.get("order") is not None:
            data["order"] = row.values["order"]
        retired = self._retired(row)
        if goal is None:
            data["code"] = code

            def create():
                new = services.goal_create(user=self.user, plan=self.plan, data=data)
                if retired:
                    services.goal_retire(user=self.user, goal=new)

            self._record(row, "create", Goal, None, data)
            self._step(row, create)
            return
        diff = _row_diff(goal, data)
        if retired is not None and retired != goal.retired:
            diff["retired"] = retired
        if not diff:
            self.result.unchanged += 1
            return
        version = row.values.get("version")

        def update():
            fields = {k: v for k, v in diff.items() if k != "retired"}
            services.goal_update(user=self.user, goal=goal, data=fields, expected_version=version)
            if "retired" in diff:
                services.goal_retire(user=self.user, goal=goal, retired=diff["retired"])

        self._record(row, "update", Goal, goal, diff)
        self._step(row, update)

    # actions

    def action(self, row: SheetRow) -> None:
        from actions import services

        code = row.values.get("code")
        if not code:
            self.result.add_error(row.sheet, row.number, _("code: an action needs a code."))
            return
        action = Action.objects.filter(goal__plan=self.plan, code=code).select_related("goal", "lead").first()
        if row.delete:
            if action is None:
                self._missing(row, _("action"))
            else:
                self.deletions.append((row, action))
            return
        problems = []
        data = self._text_fields(row, translated("title", "description"))
        for name in ("start_date", "end_date", "order", "weight"):
            if row.values.get(name) is not None:
                data[name] = row.values[name]
        goal = Goal.objects.filter(plan=self.plan, code=row.values.get("goal")).first()
        if goal is None:
            problems.append(_("goal: there is no goal %(code)s in this plan.") % {"code": row.values.get("goal")})
        else:
            data["goal"] = goal
        if row.has("lead"):
            username = row.values.get("lead")
            if username and username not in self.users:
                problems.append(_("lead: there is no user %(name)s.") % {"name": username})
            data["lead"] = self.users.get(username) if username else None
        if row.values.get("status"):
            status = self._status(row.values["status"])
            if status is None:
                problems.append(_("status: '%(value)s' is not a status (%(choices)s).") % {
                    "value": row.values["status"], "choices": ", ".join(Action.Status.values)})
            data["status"] = status
        sdgs = None
        if row.has("sdgs"):
            try:
                sdgs = sorted({int(part) for part in str(row.values.get("sdgs") or "").replace(";", ",").split(",")
                               if part.strip()})
            except ValueError:
                problems.append(_("sdgs: write SDG numbers separated by commas, e.g. 11, 13."))
        if problems:
            for message in problems:
                self.result.add_error(row.sheet, row.number, message)
            return
        retired = self._retired(row)
        if action is None:
            data["code"] = code

            def create():
                new = services.action_create(user=self.user, goal=goal, data=data, sdgs=sdgs or [])
                if retired:
                    services.action_retire(user=self.user, action=new)

            record = dict(data)
            if sdgs:
                record["sdgs"] = ", ".join(map(str, sdgs))
            self._record(row, "create", Action, None, record)
            self._step(row, create)
            return
        diff = _row_diff(action, data)
        current_sdgs = sorted(s.number for s in action.sdgs.all())
        if sdgs is not None and sdgs != current_sdgs:
            diff["sdgs"] = sdgs
        if retired is not None and retired != action.retired:
            diff["retired"] = retired
        if not diff:
            self.result.unchanged += 1
            return
        version = row.values.get("version")

        def update():
            fields = {k: v for k, v in diff.items() if k not in ("sdgs", "retired")}
            services.action_update(
                user=self.user, action=action, data=fields, sdgs=diff.get("sdgs"), expected_version=version
            )
            if "retired" in diff:
                services.action_retire(user=self.user, action=action, retired=diff["retired"])

        shown = dict(diff)
        if "sdgs" in shown:
            shown["sdgs"] = ", ".join(map(str, shown["sdgs"]))
            action.sdgs_text = ", ".join(map(str, current_sdgs))
        self._record(row, "update", Action, action, shown)
        if "sdgs" in shown:
            self.result.changes[-1].changes = [
                (label, action.sdgs_text or "—", new) if label == _label(Action, "sdgs") else (label, old, new)
                for label, old, new in self.result.changes[-1].changes
            ]
        self._step(row, update)

    @staticmethod
    def _status(value: str):
        value = str(value).strip()
        for code, label in Action.Status.choices:
            if value.lower() in {code, str(label).lower(), code.replace("_", " ")}:
                return code
        return None

    # indicators

    def indicator(self, row: SheetRow) -> None:
        from actions import services
        from metroplan.services import ValidationError

        code, action_code = row.values.get("code"), row.values.get("action")
        action = Action.objects.filter(goal__plan=self.plan, code=action_code).first()
        if not code or action is None:
            self.result.add_error(row.sheet, row.number, _("action: there is no action %(code)s in this plan.") % {
                "code": action_code} if action is None else _("code: an indicator needs a code."))
            return
        indicator = Indicator.objects.filter(action=action, code=code).first()
        if row.delete:
            if indicator is None:
                self._missing(row, _("indicator"))
            else:
                self.deletions.append((row, indicator))
            return
        data = self._text_fields(row, [*translated("name", "description"), "unit"])
        for name in ("baseline", "target", "order"):
            if row.values.get(name) is not None:
                data[name] = row.values[name]
        if row.values.get("direction"):
            direction = str(row.values["direction"]).strip().lower()
            if direction not in Indicator.Direction.values:
                self.result.add_error(row.sheet, row.number, _("direction: write increase or decrease."))
                return
            data["direction"] = direction
        milestones = None
        if row.has("milestones"):
            try:
                milestones = services.parse_milestones(row.values.get("milestones"))
            except ValidationError as exc:
                for message in exc.messages:
                    self.result.add_error(row.sheet, row.number, message)
                return
        retired = self._retired(row)
        if indicator is None:
            data["code"] = code

            def create():
                new = services.indicator_create(user=self.user, action=action, data=data, milestones=milestones)
                if retired:
                    services.indicator_retire(user=self.user, indicator=new)

            record = dict(data)
            if milestones:
                record["milestones"] = "; ".join(f"{y}: {v.normalize():f}" for y, v in sorted(milestones.items()))
            self._record(row, "create", Indicator, None, record)
            self._step(row, create)
            return
        diff = _row_diff(indicator, data)
        if milestones is not None and milestones != {m.year: m.value for m in indicator.milestones.all()}:
            diff["milestones"] = milestones
        if retired is not None and retired != indicator.retired:
            diff["retired"] = retired
        if not diff:
            self.result.unchanged += 1
            return
        version = row.values.get("version")

        def update():
            fields = {k: v for k, v in diff.items() if k not in ("milestones", "retired")}
            services.indicator_update(
                user=self.user, indicator=indicator, data=fields, milestones=milestones, expected_version=version
            )
            if "retired" in diff:
                services.indicator_retire(user=self.user, indicator=indicator, retired=diff["retired"])

        self._record(row, "update", Indicator, indicator, diff)
        self._step(row, update)


def _row_diff(obj, data: dict) -> dict:
    """{field: new value} for the fields of `data` that differ from `obj`."""
    changed = {}
    for name, new in data.items():
        old = getattr(obj, name)
        if (None if old == "" else old) != (None if new == "" else new):
            changed[name] = new
    return changed
