"""Importing an edited plan workbook: preview what it would change, or apply
it all or nothing. Rows are read by `actions.spreadsheet` and applied through
`actions.services`, row by row, each in a savepoint, collecting every error."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext as _

from actions import services
from actions.languages import translated
from actions.models import Action, Goal, Indicator, Plan
from actions.services.common import require_editor
from actions.spreadsheet import SheetRow, SpreadsheetError, format_milestones, parse_milestones, read_workbook
from metroplan.services import ServiceError, ValidationError


class ImportRefused(ServiceError):
    """The upload has errors; nothing was changed. `result` lists them."""

    code = "import_refused"

    def __init__(self, result):
        super().__init__(_("The file has %(count)s errors; nothing was changed.") % {"count": len(result.errors)})
        self.result = result


class _Rollback(Exception):
    pass


def plan_import_preview(*, user, plan: Plan, content: bytes) -> PlanImportResult:
    """What importing the XLSX `content` into `plan` would change (and any
    errors), computed by running the import and rolling it back."""
    require_editor(user)
    return _run_import(user=user, plan=plan, content=content, keep=False)


def plan_import_apply(*, user, plan: Plan, content: bytes) -> PlanImportResult:
    """Import the XLSX `content` into `plan`, all or nothing: raises ImportRefused
    (with every error found) and changes nothing if any row is refused."""
    require_editor(user)
    result = _run_import(user=user, plan=plan, content=content, keep=True)
    if result.errors:
        raise ImportRefused(result)
    return result


def _run_import(*, user, plan, content: bytes, keep: bool) -> PlanImportResult:
    result = PlanImportResult()
    try:
        sheets = read_workbook(content)
    except SpreadsheetError as exc:
        result.add_error(None, None, str(exc))
        return result
    try:
        with transaction.atomic():
            PlanImporter(user=user, plan=plan, result=result).run(sheets)
            if result.errors or not keep:
                raise _Rollback
    except _Rollback:
        pass
    return result


@dataclass
class PlanImportChange:
    sheet: str
    row: int
    key: str
    kind: str  # create, update, delete
    changes: list = field(default_factory=list)


@dataclass
class PlanImportProblem:
    sheet: str | None
    row: int | None
    message: str


@dataclass
class PlanImportResult:
    """What a plan import changes (or would change) and what it refuses."""

    changes: list[PlanImportChange] = field(default_factory=list)
    errors: list[PlanImportProblem] = field(default_factory=list)
    unchanged: int = 0

    def add_error(self, sheet, row, message) -> None:
        self.errors.append(PlanImportProblem(sheet, row, str(message)))

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

    def __init__(self, *, user, plan, result: PlanImportResult):
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
        services.plan_item_delete(user=self.user, obj=obj, expected_version=row.values.get("version"))
        self.result.changes.append(PlanImportChange(row.sheet, row.number, self._key(row), "delete"))

    def _record(self, row, kind, model, obj, data: dict) -> None:
        changes = []
        for name, value in data.items():
            old = getattr(obj, name, None) if obj is not None and name != "milestones" else None
            if name == "milestones" and obj is not None:
                old = format_milestones(obj.milestones.all())
                value = "; ".join(f"{y}: {v.normalize():f}" for y, v in sorted(value.items()))
            changes.append((_label(model, name), _shown(old) if obj is not None else "—", _shown(value)))
        self.result.changes.append(PlanImportChange(row.sheet, row.number, self._key(row), kind, changes))

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
                milestones = parse_milestones(row.values.get("milestones"))
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
