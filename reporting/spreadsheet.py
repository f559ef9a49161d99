"""The offline round-trip: a focal point downloads an XLSX of everything their
member owes, pre-filled with what is saved, fills it offline and uploads it.

The workbook speaks the language it is downloaded in (the focal point's): sheet
names, column headers, the instructions sheet, state and status names, yes/no
and the validation lists. Columns are identified by stable keys in a hidden
first row ("member", "period", "status", ...; documented in
docs/architecture.md), never by the header text, so a workbook downloaded in
any of the three languages uploads in any session language. A workbook whose
key row was removed is still read when its header row reads as the headers of
one of the three languages.

The language a workbook was made in is recorded in its properties; a number
typed as text is read with that language's decimal separator (the one the
instructions sheet showed), and the messages of the upload are in the
uploader's language.

The upload is checked row by row first; only a file with no bad cell is
applied, in one transaction, through the same services as the form. A row can
only reach the uploader's own member, and never a submitted or approved update.
"""

from dataclasses import dataclass, field
from io import BytesIO

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import get_language, gettext_lazy, pgettext, pgettext_lazy
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from actions.disaggregation import part_names_of, parts_refusals
from actions.models import Action, Indicator
from metroplan.limits import NARRATIVE_MAX_LENGTH
from metroplan.numbers import number_example
from metroplan.services import ServiceError, ValidationError
from metroplan.spreadsheets import SpreadsheetRefused, xlsx_append, xlsx_open, xlsx_rows
from reporting.models import IndicatorValue, ProgressUpdate
from reporting.selectors_updates import due_slots
from reporting.services import IndicatorEntry, parse_indicator_entry, parse_part, update_save, update_submit

LANGUAGES = [code for code, _name in settings.LANGUAGES]


@dataclass(frozen=True)
class Column:
    key: str  # stable: written in the hidden first row, read back on upload
    label: object  # lazy, in the workbook's language
    width: int
    editable: bool = False
    optional: bool = False  # added later: a workbook made before it still uploads without it


UPDATES = "updates"
VALUES = "values"
SHEET_TITLES = {
    UPDATES: gettext_lazy("Updates"),
    VALUES: gettext_lazy("Indicator values"),
}
INSTRUCTIONS_TITLE = gettext_lazy("Instructions")
COLUMNS = {
    UPDATES: [
        Column("member", gettext_lazy("Member"), 16),
        Column("period", gettext_lazy("Period"), 10),
        Column("action", gettext_lazy("Action"), 8),
        Column("action_title", gettext_lazy("Action title"), 40),
        Column("deadline", gettext_lazy("Deadline"), 12),
        Column("state", pgettext_lazy("spreadsheet column", "Update state"), 14),
        Column("version", gettext_lazy("Version"), 8),
        Column("status", pgettext_lazy("spreadsheet column", "Action status"), 16, editable=True),
        Column("narrative", gettext_lazy("Narrative"), 60, editable=True),
        Column("submit", pgettext_lazy("spreadsheet column", "Submit (yes/no)"), 16, editable=True),
    ],
    VALUES: [
        Column("member", gettext_lazy("Member"), 16),
        Column("period", gettext_lazy("Period"), 10),
        Column("action", gettext_lazy("Action"), 8),
        Column("indicator", gettext_lazy("Indicator"), 10),
        Column("indicator_name", gettext_lazy("Indicator name"), 40),
        Column("unit", gettext_lazy("Unit"), 12),
        Column("baseline", gettext_lazy("Baseline"), 10),
        Column("target", gettext_lazy("Target"), 10),
        Column("value", gettext_lazy("Value"), 12, editable=True),
        Column("not_available", pgettext_lazy("spreadsheet column", "Not available (yes/no)"), 22, editable=True),
        Column("not_available_reason", gettext_lazy("Why not available"), 40, editable=True),
        # The parts of a disaggregated value (actions/disaggregation.py), filled where the indicator asks for them.
        Column("women", gettext_lazy("Women"), 10, editable=True, optional=True),
        Column("men", gettext_lazy("Men"), 10, editable=True, optional=True),
        Column("sex_other", gettext_lazy("Other or not stated"), 12, editable=True, optional=True),
        Column("youth", gettext_lazy("Youth (under 30)"), 12, editable=True, optional=True),
        Column("age_other", gettext_lazy("Other ages"), 10, editable=True, optional=True),
        # A ratio indicator's parts (its value is their quotient).
        Column("numerator", gettext_lazy("Numerator"), 12, editable=True, optional=True),
        Column("denominator", gettext_lazy("Denominator"), 12, editable=True, optional=True),
    ],
}
PART_KEYS = ["women", "men", "sex_other", "youth", "age_other"]
UPDATE_KEYS = [c.key for c in COLUMNS[UPDATES]]
VALUE_KEYS = [c.key for c in COLUMNS[VALUES]]
HEADER_ROWS = 2  # the hidden keys, then the headers in the workbook's language
YES_WORDS = {"yes", "y", "true", "1", "oui", "o", "si", "sí", "s", "x"}
NO_WORDS = {"no", "n", "false", "0", "non", ""}
KEY_FILL = PatternFill("solid", fgColor="E4E8EF")
HEAD_FONT = Font(bold=True)
KEY_FONT = Font(color="808080", size=8)


def yes_word() -> str:
    return pgettext("spreadsheet answer", "yes")


def no_word() -> str:
    return pgettext("spreadsheet answer", "no")


def state_label(state: str) -> str:
    """A due slot's state as the pages name it, in the active language."""
    if state == "missing":
        return pgettext("state of one update", "Missing")
    return str(ProgressUpdate.State(state).label)


def _in_every_language(make) -> set[str]:
    """The lower-cased texts `make()` gives in each of the site's languages."""
    texts = set()
    for language in LANGUAGES:
        with translation.override(language):
            texts.add(str(make()).strip().lower())
    return texts


def _editable_slots(member):
    return [slot for slot in due_slots(member) if slot.needs_action]


def _instructions(sheet, *, member, language: str) -> None:
    yes, no = yes_word(), no_word()
    statuses = ", ".join(str(label) for label in Action.Status.labels)
    lines = [
        _("Progress updates of %(member)s, to fill in offline") % {"member": member.name},
        _("Downloaded on %(day)s.") % {"day": date_format(timezone.localdate(), "DATE_FORMAT")},
        "",
        _("1. On the sheet “%(sheet)s”, one row per update due: choose a status, write the narrative, and "
          "write “%(yes)s” under “%(submit)s” when the update is complete.")
        % {"sheet": SHEET_TITLES[UPDATES], "yes": yes, "submit": COLUMNS[UPDATES][-1].label},
        _("2. On the sheet “%(sheet)s”, one row per indicator: give a number under “%(value)s”, or write "
          "“%(yes)s” under “%(not_available)s” and say why.")
        % {"sheet": SHEET_TITLES[VALUES], "value": COLUMNS[VALUES][8].label, "yes": yes,
           "not_available": COLUMNS[VALUES][9].label},
        _("3. Upload the file on the Updates page. Every row is checked first; if one cell is wrong, nothing "
          "is saved and the page lists each cell to correct."),
        "",
        _("Status: one of %(choices)s.") % {"choices": statuses},
        _("Yes or no: write “%(yes)s” or “%(no)s”.") % {"yes": yes, "no": no},
        _("Numbers typed as text use your language's decimal separator: %(example)s.")
        % {"example": number_example(language)},
        _("Only the white cells are read; the grey cells and the hidden first row identify each row and column: "
          "leave them as they are."),
    ]
    for line in lines:
        xlsx_append(sheet, [line])
    sheet["A1"].font = HEAD_FONT
    sheet.column_dimensions["A"].width = 110


def workbook_build(*, member, language: str | None = None) -> bytes:
    """The member's open work as an XLSX in `language` (default: the active
    one): instructions, then one row per update on one sheet and one row per
    indicator on another, pre-filled with what is saved."""
    language = language or get_language()
    with translation.override(language):
        return _build(member=member, language=language)


def _build(*, member, language: str) -> bytes:
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

    yes, no = yes_word(), no_word()
    book = Workbook()
    book.properties.language = language
    book.properties.title = str(_("Progress updates of %(member)s, to fill in offline") % {"member": member.name})
    instructions = book.active
    instructions.title = str(INSTRUCTIONS_TITLE)
    _instructions(instructions, member=member, language=language)
    sheet = book.create_sheet(str(SHEET_TITLES[UPDATES]))
    values_sheet = book.create_sheet(str(SHEET_TITLES[VALUES]))
    for ws, kind in ((sheet, UPDATES), (values_sheet, VALUES)):
        xlsx_append(ws, [c.key for c in COLUMNS[kind]])
        xlsx_append(ws, [str(c.label) for c in COLUMNS[kind]])
    for slot in slots:
        update = updates.get((slot.period.pk, slot.action.pk))
        xlsx_append(sheet, [
            member.slug, slot.period.code, slot.action.code, slot.action.title, slot.period.deadline,
            state_label(slot.state), update.version if update else 0,
            update.get_status_display() if update and update.status else "",
            update.narrative if update else "", no,
        ])
        for indicator in indicators.get(slot.action.pk, []):
            value = values.get((update.pk, indicator.pk)) if update else None
            xlsx_append(values_sheet, [
                member.slug, slot.period.code, slot.action.code, indicator.code, indicator.name, indicator.unit,
                indicator.baseline, indicator.target,
                value.value if value and not value.not_available and value.numerator is None else None,
                yes if value and value.not_available else no,
                value.not_available_reason if value else "",
                *(getattr(value, name) if value else None for name in PART_KEYS),
                value.numerator if value else None, value.denominator if value else None,
            ])
            asked = set(part_names_of(indicator))
            for name in PART_KEYS:
                if name not in asked:  # greyed: this indicator does not ask for the part
                    values_sheet.cell(row=values_sheet.max_row, column=VALUE_KEYS.index(name) + 1).fill = KEY_FILL
    for ws, kind in ((sheet, UPDATES), (values_sheet, VALUES)):
        ws.row_dimensions[1].hidden = True
        for index, column in enumerate(COLUMNS[kind], start=1):
            letter = get_column_letter(index)
            ws.column_dimensions[letter].width = column.width
            ws[f"{letter}1"].font = KEY_FONT
            ws[f"{letter}2"].font = HEAD_FONT
            if not column.editable:
                for (cell,) in ws.iter_rows(min_row=HEADER_ROWS + 1, min_col=index, max_col=index):
                    cell.fill = KEY_FILL
        ws.freeze_panes = f"A{HEADER_ROWS + 1}"
    first = HEADER_ROWS + 1
    narrative = UPDATE_KEYS.index("narrative") + 1
    for (cell,) in sheet.iter_rows(min_row=first, min_col=narrative, max_col=narrative):
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    status_labels = [str(label).replace(",", " ") for label in Action.Status.labels]
    lists = (
        (sheet, "status", '"' + ",".join(status_labels) + '"'),
        (sheet, "submit", f'"{yes},{no}"'),
        (values_sheet, "not_available", f'"{yes},{no}"'),
    )
    for ws, key, formula in lists:
        keys = UPDATE_KEYS if ws is sheet else VALUE_KEYS
        letter = get_column_letter(keys.index(key) + 1)
        validation = DataValidation(type="list", formula1=formula, allow_blank=True, showErrorMessage=True)
        validation.error = _("Choose a value from the list.")
        ws.add_data_validation(validation)
        validation.add(f"{letter}{first}:{letter}{max(ws.max_row, first)}")
    book.active = 0
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
    sheet: str = ""

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
    """A yes or a no written in any of the three languages (or left empty: no)."""
    text = _text(value).lower()
    if text in YES_WORDS or text in _in_every_language(yes_word):
        return True
    if text in NO_WORDS or text in _in_every_language(no_word):
        return False
    return None


@dataclass
class _Sheet:
    """One sheet of an uploaded workbook, found by its columns' keys."""

    ws: object
    columns: dict[str, int]  # key → 1-based column number
    first_row: int  # the first row after the header rows

    @property
    def title(self) -> str:
        return self.ws.title


def _header_rows(ws) -> list[list[str]]:
    head = []
    for row in xlsx_rows(ws):
        head.append([_text(c) for c in row])
        if len(head) == HEADER_ROWS:
            break
    return head


def _trimmed(row: list[str]) -> list[str]:
    while row and not row[-1]:
        row = row[:-1]
    return row


def _columns_of(header: list[str], kind: str) -> dict[str, int] | None:
    """The columns of a header row when it is the sheet's keys (in any order)
    or its headers in one of the three languages (in their order); else None.
    Optional columns (added later) may be missing: a workbook made before
    them still uploads."""
    keys = [c.key for c in COLUMNS[kind]]
    required = [c.key for c in COLUMNS[kind] if not c.optional]
    found = {text: index for index, text in enumerate(header, start=1) if text}
    if set(required) <= set(found):
        return {key: found[key] for key in keys if key in found}
    for language in LANGUAGES:
        with translation.override(language):
            labels = [str(c.label) for c in COLUMNS[kind]]
        trimmed = _trimmed(header)
        if len(trimmed) >= len(required) and trimmed == labels[: len(trimmed)]:
            return {key: index for index, key in enumerate(keys[: len(trimmed)], start=1)}
    return None


def _find_sheets(book, result: UpdatesImportResult) -> dict[str, _Sheet]:
    """The updates and values sheets of `book`, whatever their names' language."""
    found: dict[str, _Sheet] = {}
    for ws in book.worksheets:
        head = _header_rows(ws)
        for kind in (UPDATES, VALUES):
            if kind in found or not head:
                continue
            columns = _columns_of(head[0], kind)
            if columns is None:
                continue
            first_row = 2
            if len(head) > 1 and _columns_of(head[1], kind) is not None:
                first_row = 3  # the hidden keys, then the headers
            found[kind] = _Sheet(ws, columns, first_row)
    for kind in (UPDATES, VALUES):
        if kind in found:
            continue
        titles = _in_every_language(lambda kind=kind: SHEET_TITLES[kind])
        named = next((ws.title for ws in book.worksheets if ws.title.strip().lower() in titles), None)
        if named is not None:
            result.add(named, 1, None, _("The header row of sheet “%(sheet)s” was changed; it must read: %(cols)s.")
                       % {"sheet": named, "cols": ", ".join(str(c.label) for c in COLUMNS[kind])})
        else:
            name = str(SHEET_TITLES[kind])
            result.add(name, 0, None, _("The sheet “%(sheet)s” is missing.") % {"sheet": name})
    return found


def _rows(sheet: _Sheet):
    for number, row in enumerate(xlsx_rows(sheet.ws), start=1):
        if number < sheet.first_row:
            continue
        cells = {key: (row[index - 1] if index - 1 < len(row) else None) for key, index in sheet.columns.items()}
        if all(_text(v) == "" for v in cells.values()):
            continue
        yield number, cells


def _workbook_language(book) -> str:
    """The language the workbook was made in (its numbers typed as text are read
    in it); the uploader's for a workbook that does not say."""
    language = getattr(book.properties, "language", None) or ""
    return language if language in LANGUAGES else get_language()


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


def _status_codes() -> dict[str, str]:
    """Every way to write a status: its code, or its name in any of the three languages."""
    status_by_text = {}
    for language in LANGUAGES:
        with translation.override(language):
            for code, label in Action.Status.choices:
                status_by_text[code.lower()] = code
                status_by_text[str(label).lower()] = code
                status_by_text[str(label).replace(",", " ").lower()] = code
    return status_by_text


def _read(book, *, member, result: UpdatesImportResult) -> dict:
    """The rows of `book` as slots to save, every bad cell recorded in `result`."""
    sheets = _find_sheets(book, result)
    if not result.ok:
        return {}
    language = _workbook_language(book)
    yes_or_no = _("Write %(yes)s or %(no)s.") % {"yes": yes_word(), "no": no_word()}

    allowed = {(s.period.code, s.action.code): s for s in due_slots(member)}
    stored = {
        (u.period.code, u.action.code): u
        for u in ProgressUpdate.objects.filter(member=member).select_related("period", "action")
        .filter(period_id__in={s.period.pk for s in allowed.values()})
    }
    status_by_text = _status_codes()
    slots: dict[tuple[str, str], _Slot] = {}
    sheet = sheets[UPDATES]
    title, col = sheet.title, sheet.columns
    for number, cells in _rows(sheet):
        key = (_text(cells["period"]), _text(cells["action"]))
        if _text(cells["member"]) != member.slug:
            result.add(title, number, col["member"], _("This row names member “%(other)s”; you can only "
                       "report for %(member)s (%(slug)s).") % {"other": _text(cells["member"]),
                                                               "member": member.name, "slug": member.slug})
            continue
        slot = allowed.get(key)
        if slot is None:
            result.add(title, number, col["action"], _("%(member)s has nothing due for action %(action)s in "
                       "period %(period)s.") % {"member": member.name, "action": key[1], "period": key[0]})
            continue
        if key in slots:
            result.add(title, number, col["action"], _("Action %(action)s in %(period)s appears twice "
                       "(first on row %(row)s).") % {"action": key[1], "period": key[0], "row": slots[key].row})
            continue
        update = stored.get(key)
        if update is not None and update.state in (ProgressUpdate.State.SUBMITTED, ProgressUpdate.State.APPROVED):
            result.add(title, number, col["action"], _("The update on %(action)s for %(period)s is already "
                       "%(state)s and cannot be changed here.")
                       % {"action": key[1], "period": key[0], "state": update.get_state_display().lower()})
            continue
        status_text = _text(cells["status"]).lower()
        status = status_by_text.get(status_text, None) if status_text else ""
        if status is None:
            result.add(title, number, col["status"], _("Unknown status “%(status)s”; choose one of: "
                       "%(choices)s.") % {"status": _text(cells["status"]),
                                          "choices": ", ".join(str(x) for x in Action.Status.labels)})
            continue
        submit = _yes_no(cells["submit"])
        if submit is None:
            result.add(title, number, col["submit"], yes_or_no)
            continue
        narrative = _text(cells["narrative"])
        if len(narrative) > NARRATIVE_MAX_LENGTH:
            result.add(title, number, col["narrative"], _("The narrative can be %(limit)s characters at most; "
                       "this one has %(count)s.") % {"limit": NARRATIVE_MAX_LENGTH, "count": len(narrative)})
            continue
        version_text = _text(cells["version"])
        if version_text and not version_text.isdigit():
            result.add(title, number, col["version"], _("Leave the version as it was downloaded."))
            continue
        slots[key] = _Slot(
            row=number, period=slot.period, action=slot.action, update=update,
            version=int(version_text) if version_text else None, status=status,
            narrative=narrative, submit=submit, sheet=title,
        )

    indicators = {
        (i.action_id, i.code): i
        for i in Indicator.objects.filter(action_id__in={s.action.pk for s in slots.values()}, retired=False)
    }
    sheet = sheets[VALUES]
    title, vcol = sheet.title, sheet.columns
    for number, cells in _rows(sheet):
        key = (_text(cells["period"]), _text(cells["action"]))
        if _text(cells["member"]) != member.slug:
            result.add(title, number, vcol["member"], _("This row names member “%(other)s”; you can only "
                       "report for %(member)s (%(slug)s).") % {"other": _text(cells["member"]),
                                                               "member": member.name, "slug": member.slug})
            continue
        slot = slots.get(key)
        if slot is None:
            if key not in allowed:
                result.add(title, number, vcol["action"], _("%(member)s has nothing due for action %(action)s "
                           "in period %(period)s.") % {"member": member.name, "action": key[1], "period": key[0]})
            continue  # its update row was refused already, and says why
        indicator = indicators.get((slot.action.pk, _text(cells["indicator"])))
        if indicator is None:
            result.add(title, number, vcol["indicator"], _("“%(code)s” is not an indicator of action "
                       "%(action)s.") % {"code": _text(cells["indicator"]), "action": slot.action.code})
            continue
        if indicator.pk in slot.values:
            result.add(title, number, vcol["indicator"], _("Indicator %(code)s appears twice for this "
                       "update.") % {"code": indicator.code})
            continue
        not_available = _yes_no(cells["not_available"])
        if not_available is None:
            result.add(title, number, vcol["not_available"], yes_or_no)
            continue
        raw = cells["value"]
        numerator, denominator = cells.get("numerator"), cells.get("denominator")
        if not_available and any(_text(given) for given in (raw, numerator, denominator)):
            result.add(title, number, vcol["value"], _("Give a number or mark it as not available, not both."))
            continue
        parts, bad_part = {}, False
        for name in PART_KEYS:
            try:
                parts[name] = parse_part(cells.get(name), language=language)
            except ValidationError as exc:
                result.add(title, number, vcol[name], " ".join(exc.messages))
                bad_part = True
        if bad_part:
            continue
        try:
            # A numeric cell stays a number; a text cell is read in the workbook's language.
            entry = parse_indicator_entry(
                raw, not_available, _text(cells["not_available_reason"]), language=language, parts=parts,
                indicator=indicator, numerator=numerator, denominator=denominator,
            )
        except ValidationError as exc:
            if not hasattr(exc, "error_dict"):
                column = vcol["not_available_reason"] if not_available else vcol["value"]
                result.add(title, number, column, " ".join(exc.messages))
                continue
            for field_name, messages in exc.message_dict.items():
                result.add(title, number, vcol.get(field_name, vcol["value"]), " ".join(messages))
            continue
        refused = parts_refusals(indicator, entry.value, entry.parts)
        for name, why in refused.items():
            result.add(title, number, vcol[name], why)
        if not refused:
            slot.values[indicator.pk] = entry
    if result.ok and not slots:
        result.add(sheets[UPDATES].title, 0, None, _("The sheet “%(sheet)s” has no rows to apply.")
                   % {"sheet": sheets[UPDATES].title})
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
                    result.add(slot.sheet, slot.row, None, _("Action %(action)s, %(period)s: %(errors)s") % {
                        "action": slot.action.code, "period": slot.period.code, "errors": " ".join(exc.messages)
                    })
                except ServiceError as exc:
                    result.add(slot.sheet, slot.row, None, _("Action %(action)s, %(period)s: %(error)s") % {
                        "action": slot.action.code, "period": slot.period.code, "error": exc.message
                    })
            if not result.ok:
                raise _RollBack
    except _RollBack:
        result.saved = result.submitted = 0
