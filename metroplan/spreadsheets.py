"""Spreadsheets in and out, safely: what every writer and reader of XLSX and
CSV in metroplan goes through.

Out: text that a spreadsheet would run as a formula (it starts with "=", "+",
"-", "@", a tab or a carriage return) is written as text. In an XLSX it is a
string cell with Excel's quote prefix, so it reads back exactly (but for a
carriage return, which XML reads as a line feed) and stays text when someone
edits the cell; in a CSV it gets a leading apostrophe (OWASP's
advice), and so does text that already starts with one, so that
`csv_read_text` gives back exactly what was written. Numbers stay numbers.

In: an uploaded XLSX is checked before openpyxl parses any of it — its size,
then the unpacked size its zip directory declares (Python's zipfile never
unpacks a member past its declared size, so a zip bomb is refused from the
directory alone) — then opened in openpyxl's read-only mode, and its sheets and
rows are counted as they are read.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile

from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.cell import WriteOnlyCell

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?")

# Limits of an uploaded workbook. The largest real ones (the whole plan; a
# member's open work) are under 200 KB, with a few hundred rows.
XLSX_MAX_BYTES = 5 * 1024 * 1024
XLSX_MAX_UNPACKED_BYTES = 50 * 1024 * 1024
XLSX_MAX_MEMBERS = 500
XLSX_MAX_SHEETS = 20
XLSX_MAX_ROWS = 10_000
XLSX_MAX_COLUMNS = 50


# --- out --------------------------------------------------------------------------


def csv_text(value):
    """A value for a CSV cell: text that would run as a formula (or that starts
    with an apostrophe) is prefixed with an apostrophe; plain numbers, written
    as text or not, stay as they are; None is an empty cell."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(_GUARDED) and _guarded(value):
        return "'" + value
    return value


def csv_cells(values) -> list[str]:
    """csv_text of each value, as the text a csv writer makes of it (str()): the
    cells of a row of a long list (a CSV of every update: ~7 million cells at
    10x), in one loop."""
    return [
        "" if value is None
        else "'" + value if isinstance(value, str) and value.startswith(_GUARDED) and _guarded(value)
        else str(value)
        for value in values
    ]


_GUARDED = ("'", *FORMULA_PREFIXES)


def _guarded(text: str) -> bool:
    """Text starting with one of _GUARDED that gets an apostrophe: all but a plain number."""
    return text.startswith("'") or not _PLAIN_NUMBER.fullmatch(text)


def csv_read_text(text: str) -> str:
    """The text csv_text was given, from what it wrote."""
    return text[1:] if text.startswith("'") else text


class _SafeWriter:
    def __init__(self, writer):
        self._writer = writer

    def writerow(self, row):
        return self._writer.writerow([csv_text(value) for value in row])

    def writerows(self, rows):
        for row in rows:
            self.writerow(row)


def csv_writer(out, **kwargs) -> _SafeWriter:
    """`csv.writer(out, **kwargs)` whose every cell goes through csv_text."""
    return _SafeWriter(csv.writer(out, **kwargs))


# Control characters XML cannot hold (a vertical tab pasted from a word
# processor): written as OOXML's _xHHHH_ escapes, which Excel shows as the
# character and xlsx_rows reads back; a literal "_xHHHH_" in the text has its
# underscore escaped (_x005F_), so that reading gives back exactly what was written.
_UNWRITABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_LITERAL_ESCAPE = re.compile(r"_(?=x[0-9A-Fa-f]{4}_)")
_ESCAPED = re.compile(r"_x([0-9A-Fa-f]{4})_")


def xlsx_text(value: str) -> str:
    """`value` as an .xlsx cell can hold it (xlsx_read_text gives it back)."""
    if "_x" in value:
        value = _LITERAL_ESCAPE.sub("_x005F_", value)
    return _UNWRITABLE.sub(lambda match: f"_x{ord(match.group(0)):04X}_", value)


def xlsx_read_text(value: str) -> str:
    """The text xlsx_text was given, from what it wrote."""
    if "_x" not in value:
        return value
    return _ESCAPED.sub(lambda match: chr(int(match.group(1), 16)), value)


def xlsx_cell(sheet, value):
    """An openpyxl cell for `sheet` holding `value`; text that would run as a
    formula is a string cell with the quote prefix, and control characters are
    escaped (xlsx_text). For `sheet.append` (write-only and ordinary worksheets alike)."""
    if isinstance(value, str):
        value = xlsx_text(value)
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        cell.data_type = "s"
        cell.quotePrefix = True
    return cell


def xlsx_value(sheet, value):
    """What `sheet.append` takes for `value`, as safe as xlsx_cell: the value
    itself when it needs no cell of its own (a number, a date, text that would
    not run as a formula, escaped as xlsx_text does), which a write-only sheet
    writes without making a cell object for it (a report's workbook has
    ~150,000 cells at 100x); else xlsx_cell's quote-prefixed string cell."""
    if not isinstance(value, str):
        return value
    text = xlsx_text(value)
    return xlsx_cell(sheet, value) if text.startswith(FORMULA_PREFIXES) else text


def xlsx_append(sheet, values) -> None:
    """`sheet.append(values)`, with text that would run as a formula kept as text."""
    sheet.append([xlsx_cell(sheet, value) for value in values])


# --- in ---------------------------------------------------------------------------


class SpreadsheetRefused(ValueError):
    """An upload that is not read: `message` says why, for the uploader."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _not_xlsx() -> SpreadsheetRefused:
    return SpreadsheetRefused(_("This is not an .xlsx spreadsheet that metroplan can read. "
                                "Download a fresh one and fill it in."))


def xlsx_open(upload):
    """A read-only openpyxl workbook (formulas read as their saved values) of
    `upload` (bytes or an uploaded file), or SpreadsheetRefused. Close it after use."""
    data = io.BytesIO(upload) if isinstance(upload, (bytes, bytearray)) else upload
    size = getattr(data, "size", None)
    if size is None:
        size = data.seek(0, io.SEEK_END)
    data.seek(0)
    if not size:
        raise SpreadsheetRefused(_("The file is empty."))
    if size > XLSX_MAX_BYTES:
        raise SpreadsheetRefused(_("The file is %(size)s; a spreadsheet can be %(limit)s at most.")
                                 % {"size": filesizeformat(size), "limit": filesizeformat(XLSX_MAX_BYTES)})
    try:
        with zipfile.ZipFile(data) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise _not_xlsx() from exc
    unpacked = sum(member.file_size for member in members)
    if len(members) > XLSX_MAX_MEMBERS or unpacked > XLSX_MAX_UNPACKED_BYTES:
        raise SpreadsheetRefused(
            _("The spreadsheet unpacks to %(size)s; metroplan reads spreadsheets of up to %(limit)s unpacked.")
            % {"size": filesizeformat(unpacked), "limit": filesizeformat(XLSX_MAX_UNPACKED_BYTES)}
        )
    data.seek(0)
    try:
        book = load_workbook(data, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds of errors on a broken file
        raise _not_xlsx() from exc
    if len(book.sheetnames) > XLSX_MAX_SHEETS:
        book.close()
        raise SpreadsheetRefused(_("The spreadsheet has %(count)s sheets; it can have %(limit)s at most.")
                                 % {"count": len(book.sheetnames), "limit": XLSX_MAX_SHEETS})
    return book


def xlsx_rows(sheet, *, max_rows: int = XLSX_MAX_ROWS, max_columns: int = XLSX_MAX_COLUMNS):
    """The values of `sheet`'s rows, the header first, each a tuple of
    `max_columns` values (None where empty); SpreadsheetRefused past `max_rows` rows."""
    for number, row in enumerate(sheet.iter_rows(max_col=max_columns, values_only=True), start=1):
        if number > max_rows:
            raise SpreadsheetRefused(_("The sheet “%(sheet)s” has more than %(limit)s rows.")
                                     % {"sheet": sheet.title, "limit": max_rows})
        yield tuple(xlsx_read_text(value) if isinstance(value, str) else value for value in row)
