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
from reporting.spreadsheet import UPDATE_KEYS, UPDATES, VALUE_KEYS, VALUES

from .conftest import make_update

pytestmark = pytest.mark.django_db


def download(client, language="en"):
    response = client.get(reverse("update-spreadsheet"), HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="metroplan-updates-member-a-')
    return load_workbook(BytesIO(response.content))


def sheet(book, kind):
    """The updates or values sheet, found by its hidden row of column keys (as the upload finds it)."""
    keys = UPDATE_KEYS if kind == UPDATES else VALUE_KEYS
    return next(ws for ws in book.worksheets if [c.value for c in ws[1]][: len(keys)] == keys)


def rows(book, kind):
    """The data rows of a sheet by (period, action, indicator), each a dict of cells by column key."""
    ws = sheet(book, kind)
    keys = UPDATE_KEYS if kind == UPDATES else VALUE_KEYS
    return {
        (r[1].value, r[2].value, r[3].value if kind == VALUES else None): dict(zip(keys, r, strict=False))
        for r in ws.iter_rows(min_row=3)
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
    updates = rows(book, UPDATES)
    values = rows(book, VALUES)
    row = updates[("2022-Q2", "1.1", None)]
    row["status"].value = "At risk"
    row["narrative"].value = "Written offline on the train."
    row["submit"].value = "yes"
    values[("2022-Q2", "1.1", "1.1.a")]["value"].value = 7
    values[("2022-Q2", "1.1", "1.1.b")]["not_available"].value = "yes"
    values[("2022-Q2", "1.1", "1.1.b")]["not_available_reason"].value = "Accounts close in July"
    other = updates[("2022-Q2", "1.2", None)]
    other["narrative"].value = "Draft only."
    return updates, values


def test_download_lists_what_is_due_prefilled_with_what_is_saved(focal, cast, world):
    make_update(world, cast.member_a, state="draft", narrative="Saved draft text")
    make_update(world, cast.member_a, state="approved", period=world.previous)  # not due: not in the file
    book = download(focal)
    updates = rows(book, UPDATES)
    assert set(updates) == {("2022-Q2", "1.1", None), ("2022-Q2", "1.2", None)}
    assert updates[("2022-Q2", "1.1", None)]["narrative"].value == "Saved draft text"
    assert updates[("2022-Q2", "1.1", None)]["member"].value == "member-a"
    values = rows(book, VALUES)
    assert values[("2022-Q2", "1.1", "1.1.a")]["value"].value == 10
    assert values[("2022-Q2", "1.1", "1.1.b")]["not_available"].value == "yes"
    assert values[("2022-Q2", "1.1", "1.1.b")]["unit"].value == "EUR"


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
    values[("2022-Q2", "1.1", "1.1.a")]["value"].value = "about ten"
    updates[("2022-Q2", "1.2", None)]["status"].value = "Fine"
    ws = sheet(book, VALUES)
    ws.append(["member-a", "2022-Q2", "1.1", "1.2.a", "", "", "", "", 3, "no", ""])  # another action's indicator
    response = upload(focal, book)
    assert response.status_code == 400
    errors = [(e.sheet, e.cell) for e in response.context["result"].errors]
    value_row = values[("2022-Q2", "1.1", "1.1.a")]["value"].row
    status_row = updates[("2022-Q2", "1.2", None)]["status"].row
    assert ("Indicator values", f"I{value_row}") in errors
    assert ("Updates", f"H{status_row}") in errors
    assert ("Indicator values", f"D{ws.max_row}") in errors
    body = response.content.decode()
    assert f"cell I{value_row}" in body and "Nothing was saved" in body
    assert not ProgressUpdate.objects.exists()


def test_a_file_edited_to_target_another_member_is_refused(focal, cast, world):
    make_update(world, cast.member_b, state="draft", narrative="B's own words")
    book = download(focal)
    updates, values = fill_good(book)
    for row in list(updates.values()) + list(values.values()):
        row["member"].value = "member-b"
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
    updates[("2022-Q2", "1.2", None)]["submit"].value = "yes"  # no value for 1.2.a
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
    book = download(focal, language)
    updates, values = fill_good(book)
    updates[("2022-Q2", "1.1", None)]["status"].value = "at_risk"  # the code reads the same in every language
    values[("2022-Q2", "1.1", "1.1.a")]["value"].value = cell
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
    book = download(focal, language)
    updates, values = fill_good(book)
    updates[("2022-Q2", "1.1", None)]["status"].value = "at_risk"  # the code reads the same in every language
    values[("2022-Q2", "1.1", "1.1.a")]["value"].value = cell
    response = upload(focal, book, language=language)
    assert response.status_code == 400
    row = values[("2022-Q2", "1.1", "1.1.a")]["value"].row
    errors = {(e.sheet, e.cell): e.message for e in response.context["result"].errors}
    assert says in errors[(sheet(book, VALUES).title, f"I{row}")]
    assert not ProgressUpdate.objects.exists()


# Formulas and limits ---------------------------------------------------------------------------


def test_a_narrative_that_looks_like_a_formula_is_text_and_survives_the_round_trip(focal, cast, world):
    # It had become a live formula in the workbook, and was erased by the upload.
    make_update(world, cast.member_a, state="draft", narrative="=SUM(A1)")
    world.action.title = "=HYPERLINK(\"http://evil\",\"x\")"
    world.action.save()
    book = download(focal)
    row = rows(book, UPDATES)[("2022-Q2", "1.1", None)]
    assert row["narrative"].value == "=SUM(A1)" and row["narrative"].data_type == "s"
    assert row["action_title"].data_type == "s" and row["action_title"].quotePrefix
    row["status"].value = "at_risk"
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
    for kind in (UPDATES, VALUES):
        sheet(book, kind).delete_rows(3, sheet(book, kind).max_row)
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
    ("kind", "key", "column", "text", "says"),
    [
        (UPDATES, ("2022-Q2", "1.1", None), "narrative", "x" * 20_001, "20000 characters at most"),
        (VALUES, ("2022-Q2", "1.1", "1.1.b"), "not_available_reason", "y" * 501, "500 characters at most"),
    ],
)
def test_texts_over_the_limits_of_the_form_and_the_api_are_refused_by_cell(focal, kind, key, column, text, says):
    book = download(focal)
    fill_good(book)
    cell = rows(book, kind)[key][column]
    cell.value = text
    response = upload(focal, book)
    assert response.status_code == 400
    errors = {(e.sheet, e.cell): e.message for e in response.context["result"].errors}
    assert says in errors[(sheet(book, kind).title, cell.coordinate)]
    assert not ProgressUpdate.objects.exists()


# Languages ------------------------------------------------------------------------------------

WORDS = {
    "en": {"updates": "Updates", "values": "Indicator values", "instructions": "Instructions", "yes": "yes",
           "no": "no", "missing": "Missing", "narrative": "Narrative", "write": "Write yes or no."},
    "fr": {"updates": "Mises à jour", "values": "Valeurs des indicateurs", "instructions": "Mode d'emploi",
           "yes": "oui", "no": "non", "missing": "Manquante", "narrative": "Récit", "write": "Écrivez oui ou non."},
    "es": {"updates": "Actualizaciones", "values": "Valores de los indicadores", "instructions": "Instrucciones",
           "yes": "sí", "no": "no", "missing": "Sin enviar", "narrative": "Narrativa",
           "write": "Escriba sí o no."},
}


def status_label(code, language):
    from django.utils import translation

    from actions.models import Action

    with translation.override(language):
        return str(Action.Status(code).label)


@pytest.mark.parametrize("language", ["en", "fr", "es"])
def test_the_workbook_speaks_the_language_it_is_downloaded_in(focal, cast, world, language):
    words = WORDS[language]
    book = download(focal, language)
    assert book.sheetnames == [words["instructions"], words["updates"], words["values"]]
    updates_sheet = sheet(book, UPDATES)
    assert updates_sheet.title == words["updates"] and updates_sheet.row_dimensions[1].hidden
    headers = [c.value for c in updates_sheet[2]]
    assert words["narrative"] in headers
    row = rows(book, UPDATES)[("2022-Q2", "1.1", None)]
    assert row["state"].value == words["missing"] and row["submit"].value == words["no"]
    lists = [v.formula1 for v in updates_sheet.data_validations.dataValidation]
    assert f'"{words["yes"]},{words["no"]}"' in lists
    assert any(status_label("at_risk", language) in formula for formula in lists)
    instructions = " ".join(str(r[0].value or "") for r in book[words["instructions"]].iter_rows())
    quoted = {"en": "“{}”", "fr": "«\u00a0{}\u00a0»", "es": "«{}»"}[language]
    assert quoted.format(words["updates"]) in instructions and quoted.format(words["yes"]) in instructions
    if language != "en":
        assert "Indicator values" not in instructions and "Narrative" not in headers


@pytest.mark.parametrize(("filled_in", "uploaded_in"), [
    ("fr", "es"), ("es", "en"), ("en", "fr"), ("fr", "fr"), ("es", "es"),
])
def test_a_workbook_filled_in_one_language_uploads_in_a_session_of_another(focal, cast, world, decimals, filled_in,
                                                                           uploaded_in):
    words = WORDS[filled_in]
    book = download(focal, filled_in)
    updates, values = rows(book, UPDATES), rows(book, VALUES)
    row = updates[("2022-Q2", "1.1", None)]
    row["status"].value = status_label("at_risk", filled_in)
    row["narrative"].value = "Rempli hors ligne."
    row["submit"].value = words["yes"]
    values[("2022-Q2", "1.1", "1.1.a")]["value"].value = "7,5" if filled_in != "en" else "7.5"  # typed as text
    values[("2022-Q2", "1.1", "1.1.b")]["not_available"].value = words["yes"]
    values[("2022-Q2", "1.1", "1.1.b")]["not_available_reason"].value = "Comptes clos en juillet"
    response = upload(focal, book, language=uploaded_in)
    assert response.status_code == 302, [e.message for e in response.context["result"].errors]
    submitted = ProgressUpdate.objects.get(action=world.action)
    assert submitted.state == "submitted" and submitted.status == "at_risk"
    assert submitted.values.get(indicator=world.ind_count).value == Decimal("7.5")
    assert submitted.values.get(indicator=world.ind_budget).not_available


@pytest.mark.parametrize(("filled_in", "uploaded_in"), [("fr", "es"), ("es", "fr"), ("fr", "en")])
def test_a_bad_cell_is_named_in_the_uploaders_language_on_the_workbooks_sheet(focal, cast, world, filled_in,
                                                                              uploaded_in):
    book = download(focal, filled_in)
    row = rows(book, UPDATES)[("2022-Q2", "1.1", None)]
    row["submit"].value = "peut-être"
    response = upload(focal, book, language=uploaded_in)
    assert response.status_code == 400
    errors = {(e.sheet, e.cell): e.message for e in response.context["result"].errors}
    assert errors == {(WORDS[filled_in]["updates"], row["submit"].coordinate): WORDS[uploaded_in]["write"]}


@pytest.mark.parametrize("language", ["fr", "es"])
def test_a_workbook_whose_hidden_keys_were_removed_is_read_by_its_headers(focal, cast, world, language):
    book = download(focal, language)
    updates = rows(book, UPDATES)
    updates[("2022-Q2", "1.1", None)]["narrative"].value = "Sans la ligne cachée."
    for kind in (UPDATES, VALUES):
        sheet(book, kind).delete_rows(1)
    response = upload(focal, book, language="en")
    assert response.status_code == 302, [e.message for e in response.context["result"].errors]
    assert ProgressUpdate.objects.get(action=world.action).narrative == "Sans la ligne cachée."


def test_a_sheet_whose_headers_were_rewritten_says_what_they_must_read(focal, cast, world):
    book = download(focal, "fr")
    ws = sheet(book, VALUES)
    ws.delete_rows(1)
    ws["A1"].value = "Qui"
    response = upload(focal, book, language="fr")
    assert response.status_code == 400
    [error] = response.context["result"].errors
    assert error.sheet == "Valeurs des indicateurs" and "Membre, Période, Action, Indicateur" in error.message


@pytest.mark.parametrize(("language", "says"), [
    ("fr", "«\u00a0oui\u00a0» sous «\u00a0Non disponible (oui/non)\u00a0»"),
    ("es", "«sí» en «No disponible (sí/no)»"),
])
def test_the_upload_page_names_the_workbooks_words_in_the_page_language(focal, language, says):
    import html

    page = html.unescape(focal.get(reverse("update-spreadsheet-upload"), HTTP_ACCEPT_LANGUAGE=language)
                         .content.decode())
    assert says in page and "yes" not in page.lower().replace("yes/no", "")
