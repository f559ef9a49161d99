"""The offline round-trip: a focal point downloads an XLSX of everything their
member owes, pre-filled with what is saved, fills it offline and uploads it.

The upload is checked row by row first; only a file with no bad cell is
applied, in one transaction, through the same services as the form. A row can
only reach the uploader's own member, and never a submitted or approved update.
"""

from dataclasses import dataclass, field
from io import BytesIO

from django.db import transaction
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from actions.models import Action, Indicator
from metroplan.limits import NARRATIVE_MAX_LENGTH
from metroplan.services import ServiceError, ValidationError
from metroplan.spreadsheets import SpreadsheetRefused, xlsx_append, xlsx_open, xlsx_rows
from reporting.models import IndicatorValue, ProgressUpdate
from reporting.selectors_updates import due_slots
from reporting.services import IndicatorEntry, parse_indicator_entry, update_save, update_submit

UPDATES_SHEET = "Updates"
VALUES_SHEET = "Indicator values"
UPDATE_COLUMNS = ["Member", "Period", "Action", "Action title", "Deadline", "State", "Version",
                  "Status", "Narrative", "Submit (yes/no)"]
VALUE_COLUMNS = ["Member", "Period", "Action", "Indicator", "Indicator name", "Unit", "Baseline", "Target",
                 "Value", "Not available (yes/no)", "Why not available"]
# A ratio indicator's parts; optional at the end, so that a sheet made before them still reads.
RATIO_COLUMNS = ["Numerator", "Denominator"]
EDITABLE_UPDATE = {"Status", "Narrative", "Submit (yes/no)"}
EDITABLE_VALUE = {"Value", "Not available (yes/no)", "Why not available", *RATIO_COLUMNS}
YES = {"yes", "y", "true", "1", "oui", "si", "sí", "x"}
NO = {"no", "n", "false", "0", "non", ""}
KEY_FILL = PatternFill("solid", fgColor="E4E8EF")
HEAD_FONT = Font(bold=True)


def _editable_slots(member):
    return [slot for slot in due_slots(member) if slot.needs_action]


def workbook_build(*, member) -> bytes:
    """The member's open work as an XLSX: one row per update on the first
    sheet, one row per indicator on the second, pre-filled with what is saved."""
    slots = _editable_slots(member)
    updates = {
        (u.period_id, u.action_id): u
        for u in ProgressUpdate.objects.filter(member=member, pk__in=[s.update_id for s in slots if s.update_id])
    }
    values = {
        (v.update_id, v.indicator_id): v
        for v in IndicatorValue.objects.filter(update__in=list(updates.values()))
    }
    indicators: dict[int, list[Indicator]] = {}
    for indicator in Indicator.objects.filter(
        action_id__in={s.action.pk for s in slots}, retired=False
    ).order_by("order", "code"):
        indicators.setdefault(indicator.action_id, []).append(indicator)

    book = Workbook()
    sheet = book.active
    sheet.title = UPDATES_SHEET
    values_sheet = book.create_sheet(VALUES_SHEET)
    xlsx_append(sheet, UPDATE_COLUMNS)
    xlsx_append(values_sheet, VALUE_COLUMNS + RATIO_COLUMNS)
    status_labels = [str(label) for label in Action.Status.labels]
    for slot in slots:
        update = updates.get((slot.period.pk, slot.action.pk))
        xlsx_append(sheet, [
            member.slug, slot.period.code, slot.action.code, slot.action.title, slot.period.deadline,
            slot.state, update.version if update else 0,
            update.get_status_display() if update and update.status else "",
            update.narrative if update else "", "no",
        ])
        for indicator in indicators.get(slot.action.pk, []):
            value = values.get((update.pk, indicator.pk)) if update else None
            xlsx_append(values_sheet, [
                member.slug, slot.period.code, slot.action.code, indicator.code, indicator.name, indicator.unit,
                indicator.baseline, indicator.target,
                value.value if value and not value.not_available and value.numerator is None else None,
                "yes" if value and value.not_available else "no",
                value.not_available_reason if value else "",
                value.numerator if value else None, value.denominator if value else None,
            ])
    for ws, columns, editable, widths in (
        (sheet, UPDATE_COLUMNS, EDITABLE_UPDATE, [16, 10, 8, 40, 12, 10, 8, 14, 60, 14]),
        (values_sheet, VALUE_COLUMNS + RATIO_COLUMNS, EDITABLE_VALUE,
         [16, 10, 8, 10, 40, 12, 10, 10, 12, 20, 40, 12, 12]),
    ):
        for index, (name, width) in enumerate(zip(columns, widths, strict=True), start=1):
            letter = get_column_letter(index)
            ws.column_dimensions[letter].width = width
            ws[f"{letter}1"].font = HEAD_FONT
            if name not in editable:
                for (cell,) in ws.iter_rows(min_row=2, min_col=index, max_col=index):
                    cell.fill = KEY_FILL
        ws.freeze_panes = "A2"
    for (cell,) in sheet.iter_rows(min_row=2, min_col=9, max_col=9):
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    last = max(sheet.max_row, 2)
    status_list = DataValidation(type="list", formula1='"' + ",".join(status_labels) + '"', allow_blank=True)
    yes_no = DataValidation(type="list", formula1='"yes,no"', allow_blank=True)
    sheet.add_data_validation(status_list)
    sheet.add_data_validation(yes_no)
    status_list.add(f"H2:H{last}")
    yes_no.add(f"J2:J{last}")
    yes_no_values = DataValidation(type="list", formula1='"yes,no"', allow_blank=True)
    values_sheet.add_data_validation(yes_no_values)
    yes_no_values.add(f"J2:J{max(values_sheet.max_row, 2)}")
    out = BytesIO()
    book.save(out)
    return out.getvalue()


@dataclass
class CellError:
    sheet: str
    row: int
    cell: str  # e.g. "H5", or "" for the whole file
    message: str


@dataclass
class UpdatesImportResult:
    """What importing a focal point's updates workbook saved, submitted or refused (per cell)."""

    errors: list[CellError] = field(default_factory=list)
    saved: int = 0
    submitted: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors

    def add(self, sheet: str, row: int, column: int | None, message: str) -> None:
        cell = f"{get_column_letter(column)}{row}" if column else ""
        self.errors.append(CellError(sheet, row, cell, message))


@dataclass
class _Slot:
    row: int
    period: object
    action: object
    update: ProgressUpdate | None
    version: int | None
    status: str
    narrative: str
    submit: bool
    values: dict[int, IndicatorEntry] = field(default_factory=dict)

    def is_blank(self) -> bool:
        return (
            self.update is None and not self.narrative.strip() and not self.status and not self.submit
            and not any(e.value is not None or e.not_available for e in self.values.values())
        )


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _yes_no(value) -> bool | None:
    text = _text(value).lower()
    if text in YES:
        return True
    if text in NO:
        return False
    return None


def _rows(ws, columns: list[str], result: UpdatesImportResult, optional: list[str] = ()):
    rows = xlsx_rows(ws)
    header = [_text(c) for c in next(rows, ())]
    if header[: len(columns)] != columns:
        result.add(ws.title, 1, None, _("The header row of sheet “%(sheet)s” was changed; it must read: %(cols)s.")
                   % {"sheet": ws.title, "cols": ", ".join(columns)})
        return
    extra = list(optional)
    if header[len(columns): len(columns) + len(extra)] == extra:
        columns = [*columns, *extra]
    for number, row in enumerate(rows, start=2):
        cells = dict(zip(columns, list(row) + [None] * (len(columns) - len(row)), strict=False))
        if all(_text(v) == "" for v in cells.values()):
            continue
        yield number, cells


def workbook_import(*, user, member, file) -> UpdatesImportResult:
    """Check every row of an uploaded workbook, then apply all of it or none.
    The file is checked (size, unpacked size, sheets, rows) before it is read."""
    result = UpdatesImportResult()
    try:
        book = xlsx_open(file)
    except SpreadsheetRefused as exc:
        result.add(_("file"), 0, None, exc.message)
        return result
    try:
        slots = _read(book, member=member, result=result)
    except SpreadsheetRefused as exc:
        result.add(_("file"), 0, None, exc.message)
    finally:
        book.close()
    if not result.ok:
        return result
    _apply(user=user, member=member, slots=slots, result=result)
    return result


def _read(book, *, member, result: UpdatesImportResult) -> dict:
    """The rows of `book` as slots to save, every bad cell recorded in `result`."""
    for name in (UPDATES_SHEET, VALUES_SHEET):
        if name not in book.sheetnames:
            result.add(name, 0, None, _("The sheet “%(sheet)s” is missing.") % {"sheet": name})
    if not result.ok:
        return {}

    allowed = {(s.period.code, s.action.code): s for s in due_slots(member)}
    stored = {
        (u.period.code, u.action.code): u
        for u in ProgressUpdate.objects.filter(member=member).select_related("period", "action")
        .filter(period_id__in={s.period.pk for s in allowed.values()})
    }
    status_by_text = {}
    for code, label in Action.Status.choices:
        status_by_text[code.lower()] = code
        status_by_text[str(label).lower()] = code
    slots: dict[tuple[str, str], _Slot] = {}
    col = {name: i for i, name in enumerate(UPDATE_COLUMNS, start=1)}
    ws = book[UPDATES_SHEET]
    for number, cells in _rows(ws, UPDATE_COLUMNS, result):
        key = (_text(cells["Period"]), _text(cells["Action"]))
        if _text(cells["Member"]) != member.slug:
            result.add(ws.title, number, col["Member"], _("This row names member “%(other)s”; you can only "
                       "report for %(member)s (%(slug)s).") % {"other": _text(cells["Member"]),
                                                               "member": member.name, "slug": member.slug})
            continue
        slot = allowed.get(key)
        if slot is None:
            result.add(ws.title, number, col["Action"], _("%(member)s has nothing due for action %(action)s in "
                       "period %(period)s.") % {"member": member.name, "action": key[1], "period": key[0]})
            continue
        if key in slots:
            result.add(ws.title, number, col["Action"], _("Action %(action)s in %(period)s appears twice "
                       "(first on row %(row)s).") % {"action": key[1], "period": key[0], "row": slots[key].row})
            continue
        update = stored.get(key)
        if update is not None and update.state in (ProgressUpdate.State.SUBMITTED, ProgressUpdate.State.APPROVED):
            result.add(ws.title, number, col["Action"], _("The update on %(action)s for %(period)s is already "
                       "%(state)s and cannot be changed here.")
                       % {"action": key[1], "period": key[0], "state": update.get_state_display().lower()})
            continue
        status_text = _text(cells["Status"]).lower()
        status = status_by_text.get(status_text, None) if status_text else ""
        if status is None:
            result.add(ws.title, number, col["Status"], _("Unknown status “%(status)s”; choose one of: "
                       "%(choices)s.") % {"status": _text(cells["Status"]),
                                          "choices": ", ".join(str(x) for x in Action.Status.labels)})
            continue
        submit = _yes_no(cells["Submit (yes/no)"])
        if submit is None:
            result.add(ws.title, number, col["Submit (yes/no)"], _("Write yes or no."))
            continue
        narrative = _text(cells["Narrative"])
        if len(narrative) > NARRATIVE_MAX_LENGTH:
            result.add(ws.title, number, col["Narrative"], _("The narrative can be %(limit)s characters at most; "
                       "this one has %(count)s.") % {"limit": NARRATIVE_MAX_LENGTH, "count": len(narrative)})
            continue
        version_text = _text(cells["Version"])
        if version_text and not version_text.isdigit():
            result.add(ws.title, number, col["Version"], _("Leave the version as it was downloaded."))
            continue
        slots[key] = _Slot(
            row=number, period=slot.period, action=slot.action, update=update,
            version=int(version_text) if version_text else None, status=status,
            narrative=narrative, submit=submit,
        )

    indicators = {
        (i.action_id, i.code): i
        for i in Indicator.objects.filter(action_id__in={s.action.pk for s in slots.values()}, retired=False)
    }
    vcol = {name: i for i, name in enumerate(VALUE_COLUMNS + RATIO_COLUMNS, start=1)}
    ws = book[VALUES_SHEET]
    for number, cells in _rows(ws, VALUE_COLUMNS, result, optional=RATIO_COLUMNS):
        key = (_text(cells["Period"]), _text(cells["Action"]))
        if _text(cells["Member"]) != member.slug:
            result.add(ws.title, number, vcol["Member"], _("This row names member “%(other)s”; you can only "
                       "report for %(member)s (%(slug)s).") % {"other": _text(cells["Member"]),
                                                               "member": member.name, "slug": member.slug})
            continue
        slot = slots.get(key)
        if slot is None:
            if key not in allowed:
                result.add(ws.title, number, vcol["Action"], _("%(member)s has nothing due for action %(action)s "
                           "in period %(period)s.") % {"member": member.name, "action": key[1], "period": key[0]})
            continue  # its update row was refused already, and says why
        indicator = indicators.get((slot.action.pk, _text(cells["Indicator"])))
        if indicator is None:
            result.add(ws.title, number, vcol["Indicator"], _("“%(code)s” is not an indicator of action "
                       "%(action)s.") % {"code": _text(cells["Indicator"]), "action": slot.action.code})
            continue
        if indicator.pk in slot.values:
            result.add(ws.title, number, vcol["Indicator"], _("Indicator %(code)s appears twice for this "
                       "update.") % {"code": indicator.code})
            continue
        not_available = _yes_no(cells["Not available (yes/no)"])
        if not_available is None:
            result.add(ws.title, number, vcol["Not available (yes/no)"], _("Write yes or no."))
            continue
        raw = cells["Value"]
        numerator, denominator = cells.get("Numerator"), cells.get("Denominator")
        if not_available and any(_text(given) for given in (raw, numerator, denominator)):
            result.add(ws.title, number, vcol["Value"], _("Give a number or mark it as not available, not both."))
            continue
        try:
            # A numeric cell stays a number; a text cell is read in the uploader's language.
            slot.values[indicator.pk] = parse_indicator_entry(
                raw, not_available, _text(cells["Why not available"]), language=get_language(),
                indicator=indicator, numerator=numerator, denominator=denominator,
            )
        except ValidationError as exc:
            if not hasattr(exc, "error_dict"):
                column = vcol["Why not available"] if not_available else vcol["Value"]
                result.add(ws.title, number, column, " ".join(exc.messages))
                continue
            for field, messages in exc.message_dict.items():
                column = vcol.get(field.capitalize(), vcol["Value"])
                result.add(ws.title, number, column, " ".join(messages))
    if result.ok and not slots:
        result.add(UPDATES_SHEET, 0, None, _("The sheet “%(sheet)s” has no rows to apply.") % {"sheet": UPDATES_SHEET})
    return slots


class _RollBack(Exception):
    pass


def _apply(*, user, member, slots: dict, result: UpdatesImportResult) -> None:
    """Save (and submit) every row in one transaction; the first refusal undoes all."""
    try:
        with transaction.atomic():
            for slot in slots.values():
                if slot.is_blank():
                    continue
                try:
                    update = update_save(
                        user=user, member=member, action=slot.action, period=slot.period,
                        narrative=slot.narrative, status=slot.status, values=slot.values,
                        expected_version=slot.version if slot.update is not None else 0,
                    )
                    result.saved += 1
                    if slot.submit:
                        update_submit(user=user, update=update, expected_version=update.version)
                        result.submitted += 1
                except ValidationError as exc:
                    result.add(UPDATES_SHEET, slot.row, None, _("Action %(action)s, %(period)s: %(errors)s") % {
                        "action": slot.action.code, "period": slot.period.code, "errors": " ".join(exc.messages)
                    })
                except ServiceError as exc:
                    result.add(UPDATES_SHEET, slot.row, None, _("Action %(action)s, %(period)s: %(error)s") % {
                        "action": slot.action.code, "period": slot.period.code, "error": exc.message
                    })
            if not result.ok:
                raise _RollBack
    except _RollBack:
        result.saved = result.submitted = 0
