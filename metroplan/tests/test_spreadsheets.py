"""Spreadsheets in and out: text that would run as a formula is written as
text and reads back exactly; an upload is checked (size, unpacked size, sheets,
rows) before anything parses it, and a zip bomb is refused at once."""

import csv
import io
import re
import time
import zipfile

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl import xml as openpyxl_xml

from metroplan import spreadsheets
from metroplan.spreadsheets import (
    SpreadsheetRefused,
    csv_read_text,
    csv_text,
    csv_writer,
    xlsx_append,
    xlsx_open,
    xlsx_rows,
    xlsx_value,
)
from metroplan.testing.files import zip_bomb_xlsx

DANGEROUS = ["=SUM(A1)", "=HYPERLINK(\"http://evil\",\"x\")", "+1+2", "-1+2", "@SUM(A1)", "\t=1", "\r=1",
             "-cmd|' /C calc'!A0"]
HARMLESS = ["Plain text", "'quoted", "''twice", "12", "-5", "+3.25", "", "a=b"]


def append_values(sheet, values) -> None:
    """A row as a report's workbook writes its unstyled cells: xlsx_value per value."""
    sheet.append([xlsx_value(sheet, value) for value in values])


APPENDERS = {"cells": xlsx_append, "values": append_values}


def xlsx_bytes(book) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.mark.parametrize("text", DANGEROUS + HARMLESS)
def test_csv_text_reads_back_exactly(text):
    out = io.StringIO()
    csv_writer(out).writerow([text, 1.5, None])
    written = next(csv.reader(io.StringIO(out.getvalue())))
    assert csv_read_text(written[0]) == text
    assert written[1:] == ["1.5", ""]


@pytest.mark.parametrize("text", DANGEROUS)
def test_csv_never_starts_a_cell_with_a_formula(text):
    assert csv_text(text).startswith("'")


def test_csv_leaves_numbers_and_plain_text_alone():
    assert [csv_text(v) for v in [12, 1.5, "-5", "+3.25", "Plain", None]] == [12, 1.5, "-5", "+3.25", "Plain", ""]


@pytest.mark.parametrize("appender", APPENDERS)
@pytest.mark.parametrize("write_only", [False, True])
def test_xlsx_text_that_looks_like_a_formula_is_text_and_reads_back_exactly(write_only, appender):
    book = Workbook(write_only=write_only)
    sheet = book.create_sheet("S") if write_only else book.active
    APPENDERS[appender](sheet, [*DANGEROUS, *HARMLESS, 7, 2.5])
    content = xlsx_bytes(book)
    reread = load_workbook(io.BytesIO(content))
    cells = list(reread.worksheets[0].iter_rows())[0]
    # openpyxl writes and reads through lxml when it is installed (python-pptx and python3-saml bring it), and
    # then keeps a carriage return; through the standard library's parser XML reads it as a line feed
    # (XML 1.0, 2.11), the one character that XLSX cannot keep.
    kept = (lambda text: text) if openpyxl_xml.LXML else (lambda text: text.replace("\r", "\n"))
    expected = [kept(text) for text in DANGEROUS] + [h or None for h in HARMLESS] + [7, 2.5]
    assert [cell.value for cell in cells] == expected
    assert all(cell.data_type == "s" and cell.quotePrefix for cell in cells[: len(DANGEROUS)])
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        assert b"<f>" not in archive.read(next(n for n in archive.namelist() if n.startswith("xl/worksheets/")))


# Uploads --------------------------------------------------------------------------------------


def refusal(content) -> str:
    with pytest.raises(SpreadsheetRefused) as exc:
        book = xlsx_open(content)
        for sheet in book.worksheets:
            list(xlsx_rows(sheet))
    return exc.value.message


def test_a_zip_bomb_is_refused_at_once_from_its_directory():
    zip_bomb = zip_bomb_xlsx()
    assert len(zip_bomb) < spreadsheets.XLSX_MAX_BYTES
    started = time.perf_counter()
    message = refusal(zip_bomb)
    assert time.perf_counter() - started < 0.5
    assert re.search(r"unpacks to 4\d\d\.\d\sMB; .* up to 50\.0\sMB", message), message


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"", "The file is empty."),
        (b"not a zip", "not an .xlsx spreadsheet"),
        (b"PK\x03\x04" + b"\0" * 100, "not an .xlsx spreadsheet"),
    ],
)
def test_an_upload_that_is_not_a_spreadsheet_is_refused(content, says):
    assert says in refusal(content)


def test_a_file_over_the_size_limit_is_refused_before_it_is_opened(monkeypatch):
    monkeypatch.setattr(spreadsheets, "XLSX_MAX_BYTES", 1000)
    book = Workbook()
    book.active.append(["x" * 5000])
    assert "a spreadsheet can be 1000" in refusal(xlsx_bytes(book))


def test_too_many_sheets_are_refused():
    book = Workbook()
    for number in range(spreadsheets.XLSX_MAX_SHEETS):
        book.create_sheet(f"S{number}")
    assert "sheets; it can have 20 at most" in refusal(xlsx_bytes(book))


def test_too_many_rows_are_refused_as_they_are_read(monkeypatch):
    book = Workbook()
    for number in range(30):
        book.active.append([number])
    content = xlsx_bytes(book)
    opened = xlsx_open(content)
    assert len(list(xlsx_rows(opened.active, max_rows=30))) == 30
    with pytest.raises(SpreadsheetRefused, match="more than 29 rows"):
        list(xlsx_rows(opened.active, max_rows=29))


def test_a_sheet_is_read_in_read_only_mode_with_formulas_as_their_values():
    book = Workbook()
    book.active.append([1, 2])
    opened = xlsx_open(xlsx_bytes(book))
    assert opened.read_only and opened.active.__class__.__name__ == "ReadOnlyWorksheet"
    assert [row[:3] for row in xlsx_rows(opened.active)] == [(1, 2, None)]
    opened.close()


@pytest.mark.parametrize(("language", "says"), [("fr", "Le fichier est vide."), ("es", "El archivo está vacío.")])
def test_a_refusal_is_in_the_uploaders_language(language, says):
    from django.utils import translation

    with translation.override(language):
        assert refusal(b"") == says


@pytest.mark.parametrize("text", [
    "line\x0bbreak from a word processor", "bell\x07", "a literal _x000B_ stays literal", "_x005F_ too", "plain",
])
@pytest.mark.parametrize("appender", APPENDERS)
def test_control_characters_are_written_and_read_back_exactly(text, appender):
    """openpyxl refuses them (IllegalCharacterError, a 500 on every export that held one)."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Sheet")
    APPENDERS[appender](sheet, ["header"])
    APPENDERS[appender](sheet, [text])
    buffer = io.BytesIO()
    workbook.save(buffer)
    book = xlsx_open(buffer.getvalue())
    try:
        rows = list(xlsx_rows(book["Sheet"]))
    finally:
        book.close()
    assert rows[1][0] == text
