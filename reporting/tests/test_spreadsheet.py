"""The offline round-trip: download, fill, upload; all or nothing, with a
report naming each bad row and cell; never another member's or an approved update."""

import time
from decimal import Decimal
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from metroplan.testing.files import zip_bomb_xlsx
from reporting.models import ProgressUpdate
from reporting.spreadsheet import UPDATE_COLUMNS, UPDATES_SHEET, VALUE_COLUMNS, VALUES_SHEET

from .conftest import make_update

pytestmark = pytest.mark.django_db


def download(client):
    response = client.get(reverse("update-spreadsheet"))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="metroplan-updates-member-a-')
    return load_workbook(BytesIO(response.content))


def rows(book, sheet, columns):
    ws = book[sheet]
    return {
        (r[1].value, r[2].value, r[3].value if sheet == VALUES_SHEET else None): {c: r[i] for i, c in
                                                                                   enumerate(columns)}
        for r in ws.iter_rows(min_row=2)
    }


def upload(client, book, language="en"):
    out = BytesIO()
    book.save(out)
    return client.post(reverse("update-spreadsheet-upload"), {
        "file": SimpleUploadedFile("filled.xlsx", out.getvalue()),
    }, HTTP_ACCEPT_LANGUAGE=language)


@pytest.fixture
def focal(client, cast, world):
    client.force_login(cast.focal_a)
    return client


def fill_good(book):
    updates = rows(book, UPDATES_SHEET, UPDATE_COLUMNS)
    values = rows(book, VALUES_SHEET, VALUE_COLUMNS)
    row = updates[("2022-Q2", "1.1", None)]
    row["Status"].value = "At risk"
    row["Narrative"].value = "Written offline on the train."
    row["Submit (yes/no)"].value = "yes"
    values[("2022-Q2", "1.1", "1.1.a")]["Value"].value = 7
    values[("2022-Q2", "1.1", "1.1.b")]["Not available (yes/no)"].value = "yes"
    values[("2022-Q2", "1.1", "1.1.b")]["Why not available"].value = "Accounts close in July"
    other = updates[("2022-Q2", "1.2", None)]
    other["Narrative"].value = "Draft only."
    return updates, values


def test_download_lists_what_is_due_prefilled_with_what_is_saved(focal, cast, world):
    make_update(world, cast.member_a, state="draft", narrative="Saved draft text")
    make_update(world, cast.member_a, state="approved", period=world.previous)  # not due: not in the file
    book = download(focal)
    updates = rows(book, UPDATES_SHEET, UPDATE_COLUMNS)
    assert set(updates) == {("2022-Q2", "1.1", None), ("2022-Q2", "1.2", None)}
    assert updates[("2022-Q2", "1.1", None)]["Narrative"].value == "Saved draft text"
    assert updates[("2022-Q2", "1.1", None)]["Member"].value == "member-a"
    values = rows(book, VALUES_SHEET, VALUE_COLUMNS)
    assert values[("2022-Q2", "1.1", "1.1.a")]["Value"].value == 10
    assert values[("2022-Q2", "1.1", "1.1.b")]["Not available (yes/no)"].value == "yes"
    assert values[("2022-Q2", "1.1", "1.1.b")]["Unit"].value == "EUR"


def test_a_good_file_is_applied(focal, cast, world):
    book = download(focal)
    fill_good(book)
    response = upload(focal, book)
    assert response.status_code == 302
    submitted = ProgressUpdate.objects.get(action=world.action)
    assert submitted.state == "submitted" and submitted.status == "at_risk"
    assert submitted.narrative == "Written offline on the train."
    assert submitted.values.get(indicator=world.ind_count).value == Decimal("7")
    assert submitted.values.get(indicator=world.ind_budget).not_available_reason == "Accounts close in July"
    draft = ProgressUpdate.objects.get(action=world.other_action)
    assert draft.state == "draft" and draft.narrative == "Draft only."


def test_a_file_with_bad_rows_changes_nothing_and_names_each_bad_cell(focal, cast, world):
    book = download(focal)
    updates, values = fill_good(book)
    values[("2022-Q2", "1.1", "1.1.a")]["Value"].value = "about ten"
    updates[("2022-Q2", "1.2", None)]["Status"].value = "Fine"
    ws = book[VALUES_SHEET]
    ws.append(["member-a", "2022-Q2", "1.1", "1.2.a", "", "", "", "", 3, "no", ""])  # another action's indicator
    response = upload(focal, book)
    assert response.status_code == 400
    errors = [(e.sheet, e.cell) for e in response.context["result"].errors]
    value_row = values[("2022-Q2", "1.1", "1.1.a")]["Value"].row
    status_row = updates[("2022-Q2", "1.2", None)]["Status"].row
    assert (VALUES_SHEET, f"I{value_row}") in errors
    assert (UPDATES_SHEET, f"H{status_row}") in errors
    assert (VALUES_SHEET, f"D{ws.max_row}") in errors
    body = response.content.decode()
    assert f"cell I{value_row}" in body and "Nothing was saved" in body
    assert not ProgressUpdate.objects.exists()


def test_a_file_edited_to_target_another_member_is_refused(focal, cast, world):
    make_update(world, cast.member_b, state="draft", narrative="B's own words")
    book = download(focal)
    updates, values = fill_good(book)
    for row in list(updates.values()) + list(values.values()):
        row["Member"].value = "member-b"
    response = upload(focal, book)
    assert response.status_code == 400
    messages = [e.message for e in response.context["result"].errors]
    assert messages and all("you can only report for Member A" in m for m in messages)
    assert ProgressUpdate.objects.get(member=cast.member_b).narrative == "B's own words"
    assert not ProgressUpdate.objects.filter(member=cast.member_a).exists()


def test_a_row_for_an_approved_update_is_refused(focal, cast, world):
    book = download(focal)
    fill_good(book)
    make_update(world, cast.member_a, state="approved", action=world.other_action, complete=False,
                narrative="Approved text")
    response = upload(focal, book)
    assert response.status_code == 400
    assert any("already approved" in e.message for e in response.context["result"].errors)
    assert ProgressUpdate.objects.get(action=world.other_action).narrative == "Approved text"
    assert not ProgressUpdate.objects.filter(action=world.action).exists()


def test_an_incomplete_submission_undoes_the_whole_file(focal, cast, world):
    book = download(focal)
    updates, _ = fill_good(book)
    updates[("2022-Q2", "1.2", None)]["Submit (yes/no)"].value = "yes"  # no value for 1.2.a
    response = upload(focal, book)
    assert response.status_code == 400
    assert any("Datasets shared" in e.message for e in response.context["result"].errors)
    assert not ProgressUpdate.objects.exists()


def test_a_row_saved_by_someone_else_since_the_download_is_a_conflict(focal, cast, world):
    book = download(focal)
    fill_good(book)
    make_update(world, cast.member_a, state="draft", narrative="Saved meanwhile")
    response = upload(focal, book)
    assert response.status_code == 400
    assert any("Someone else saved" in e.message for e in response.context["result"].errors)
    assert ProgressUpdate.objects.get(action=world.action).narrative == "Saved meanwhile"


def test_a_file_that_is_not_a_spreadsheet_is_refused(focal):
    response = focal.post(reverse("update-spreadsheet-upload"),
                          {"file": SimpleUploadedFile("notes.xlsx", b"not a zip")})
    assert response.status_code == 400
    assert "not an .xlsx spreadsheet" in response.content.decode()


# Numbers ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "cell", "stored"),
    [
        ("fr", "2,5", "2.50"),  # a text cell, as a French spreadsheet saves it: was stored as 25.00
        ("fr", "1 234,5", "1234.50"),
        ("es", "1.234,5", "1234.50"),
        ("en", "1,234.5", "1234.50"),
        ("fr", 2.5, "2.50"),  # a numeric cell is a number in every language, never re-read as text
        ("en", 2.5, "2.50"),
        ("es", 1234, "1234.00"),
    ],
)
def test_a_value_cell_is_stored_as_it_was_meant(focal, cast, world, decimals, language, cell, stored):
    book = download(focal)
    updates, values = fill_good(book)
    updates[("2022-Q2", "1.1", None)]["Status"].value = "at_risk"  # the code reads the same in every language
    values[("2022-Q2", "1.1", "1.1.a")]["Value"].value = cell
    response = upload(focal, book, language=language)
    assert response.status_code == 302, [e.message for e in response.context["result"].errors]
    value = ProgressUpdate.objects.get(action=world.action).values.get(indicator=world.ind_count).value
    assert str(value) == stored


@pytest.mark.parametrize(
    ("language", "cell", "says"),
    [
        ("en", "2,5", "Write decimals with a point: 2.5."),
        ("fr", "1.234,5", "n'est pas un nombre"),
        ("en", 0.125, "at most 2 decimals"),
        ("en", "0.125", "at most 2 decimals"),
    ],
)
def test_a_value_cell_that_would_be_guessed_is_refused_and_named(focal, cast, world, language, cell, says):
    book = download(focal)
    updates, values = fill_good(book)
    updates[("2022-Q2", "1.1", None)]["Status"].value = "at_risk"  # the code reads the same in every language
    values[("2022-Q2", "1.1", "1.1.a")]["Value"].value = cell
    response = upload(focal, book, language=language)
    assert response.status_code == 400
    row = values[("2022-Q2", "1.1", "1.1.a")]["Value"].row
    errors = {(e.sheet, e.cell): e.message for e in response.context["result"].errors}
    assert says in errors[(VALUES_SHEET, f"I{row}")]
    assert not ProgressUpdate.objects.exists()


# Formulas and limits ---------------------------------------------------------------------------


def test_a_narrative_that_looks_like_a_formula_is_text_and_survives_the_round_trip(focal, cast, world):
    # It had become a live formula in the workbook, and was erased by the upload.
    make_update(world, cast.member_a, state="draft", narrative="=SUM(A1)")
    world.action.title = "=HYPERLINK(\"http://evil\",\"x\")"
    world.action.save()
    book = download(focal)
    row = rows(book, UPDATES_SHEET, UPDATE_COLUMNS)[("2022-Q2", "1.1", None)]
    assert row["Narrative"].value == "=SUM(A1)" and row["Narrative"].data_type == "s"
    assert row["Action title"].data_type == "s" and row["Action title"].quotePrefix
    row["Status"].value = "at_risk"
    response = upload(focal, book)
    assert response.status_code == 302, [e.message for e in response.context["result"].errors]
    assert ProgressUpdate.objects.get(action=world.action).narrative == "=SUM(A1)"


@pytest.mark.parametrize(
    ("content", "says"),
    [(b"", "The submitted file is empty."), (b"PK\x05\x06" + b"\0" * 18, "not an .xlsx spreadsheet")],
)
def test_an_empty_upload_is_a_clear_error_not_a_success(focal, content, says):
    response = focal.post(reverse("update-spreadsheet-upload"), {"file": SimpleUploadedFile("e.xlsx", content)})
    assert response.status_code == 400
    assert says in response.content.decode()


def test_a_workbook_with_no_rows_is_refused(focal, cast, world):
    book = download(focal)
    for name in (UPDATES_SHEET, VALUES_SHEET):
        book[name].delete_rows(2, book[name].max_row)
    response = upload(focal, book)
    assert response.status_code == 400
    assert "has no rows to apply" in response.content.decode()


def test_a_zip_bomb_is_refused_at_once(focal):
    bomb = zip_bomb_xlsx()  # 3 MB, 450 MB of XML
    started = time.perf_counter()
    response = focal.post(reverse("update-spreadsheet-upload"), {"file": SimpleUploadedFile("b.xlsx", bomb)})
    assert time.perf_counter() - started < 1
    assert response.status_code == 400
    assert "unpacks to" in response.content.decode()


@pytest.mark.parametrize(
    ("sheet", "key", "column", "text", "says"),
    [
        (UPDATES_SHEET, ("2022-Q2", "1.1", None), "Narrative", "x" * 20_001, "20000 characters at most"),
        (VALUES_SHEET, ("2022-Q2", "1.1", "1.1.b"), "Why not available", "y" * 501, "500 characters at most"),
    ],
)
def test_texts_over_the_limits_of_the_form_and_the_api_are_refused_by_cell(focal, sheet, key, column, text, says):
    book = download(focal)
    fill_good(book)
    cell = rows(book, sheet, UPDATE_COLUMNS if sheet == UPDATES_SHEET else VALUE_COLUMNS)[key][column]
    cell.value = text
    response = upload(focal, book)
    assert response.status_code == 400
    errors = {(e.sheet, e.cell): e.message for e in response.context["result"].errors}
    assert says in errors[(sheet, cell.coordinate)]
    assert not ProgressUpdate.objects.exists()
