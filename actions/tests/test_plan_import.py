"""Plan import/export: download, edit, preview, apply all or nothing."""

import csv
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from actions import plan_import, services
from actions.models import Action, Goal, Indicator
from actions.spreadsheet import export_xlsx
from actions.tests.plan_helpers import small_plan
from metroplan.testing import factories as f
from metroplan.testing.files import zip_bomb_xlsx

pytestmark = pytest.mark.django_db


def workbook_of(plan):
    return load_workbook(io.BytesIO(export_xlsx(plan)))


def save(workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def set_cell(sheet, key: dict, column: str, value):
    header = [c.value for c in sheet[1]]
    for row in sheet.iter_rows(min_row=2):
        if all(row[header.index(k)].value == v for k, v in key.items()):
            row[header.index(column)].value = value
            return
    raise AssertionError(f"no row {key}")


def append(sheet, values: dict):
    header = [c.value for c in sheet[1]]
    sheet.append([values.get(name) for name in header])


def test_export_has_every_sheet_and_round_trips_unchanged(cast):
    plan, *_ = small_plan()
    services.action_update(user=cast.staff, action=Action.objects.get(code="1.1"), data={},
                           participants=[cast.member_a.pk])
    workbook = workbook_of(plan)
    assert {"Goals", "Actions", "Indicators", "Participants"} <= set(workbook.sheetnames)
    assert [c.value for c in workbook["Participants"][2]][:2] == ["1.1", "member-a"]
    result = plan_import.plan_import_preview(user=cast.staff, plan=plan, content=save(workbook))
    assert result.ok and result.changes == [] and result.unchanged == 6


def test_preview_shows_changes_without_applying_then_apply_applies(cast):
    plan, *_ = small_plan()
    workbook = workbook_of(plan)
    set_cell(workbook["Actions"], {"code": "1.1"}, "title_fr", "Notes d'orientation")
    set_cell(workbook["Indicators"], {"code": "1.1.a"}, "target", 8)
    append(workbook["Goals"], {"code": "3", "title_en": "Gender equality"})
    append(workbook["Actions"], {"code": "3.1", "goal": "3", "title_en": "Mentoring", "start_date": "2022-01-01",
                                 "end_date": "2023-06-30", "status": "on_track", "sdgs": "5, 11"})
    append(workbook["Indicators"], {"action": "3.1", "code": "3.1.a", "name_en": "Mentors", "unit": "people",
                                    "baseline": 0, "target": 30, "direction": "increase", "milestones": "2022: 10"})
    content = save(workbook)

    preview = plan_import.plan_import_preview(user=cast.staff, plan=plan, content=content)
    assert preview.ok
    assert (preview.created, preview.updated, preview.deleted) == (3, 2, 0)
    update = next(c for c in preview.changes if c.key == "1.1")
    assert ("title [fr]", "—", "Notes d'orientation") in update.changes
    assert not Goal.objects.filter(code="3").exists()  # a preview changes nothing

    plan_import.plan_import_apply(user=cast.staff, plan=plan, content=content)
    assert Action.objects.get(code="1.1").title_fr == "Notes d'orientation"
    assert Indicator.objects.get(code="1.1.a").target == Decimal("8")
    new = Action.objects.get(code="3.1")
    assert new.goal.code == "3" and list(new.sdgs.values_list("number", flat=True)) == [5, 11]
    assert new.indicators.get().milestones.get().year == 2022
    assert Action.objects.get(code="1.1").history.first().history_user == cast.staff


def test_partly_bad_file_is_refused_whole_with_every_error(cast):
    plan, *_ = small_plan()
    workbook = workbook_of(plan)
    set_cell(workbook["Actions"], {"code": "1.1"}, "title_en", "A good change")
    set_cell(workbook["Indicators"], {"code": "1.1.b"}, "target", 10)  # equals the baseline
    append(workbook["Actions"], {"code": "1.7", "goal": "1", "title_en": "Backwards", "start_date": "2023-01-01",
                                 "end_date": "2022-01-01"})
    append(workbook["Actions"], {"code": "2.1", "goal": "2", "title_en": "Duplicate row"})
    append(workbook["Actions"], {"code": "1.8", "goal": "9", "title_en": "No such goal",
                                 "start_date": "2022-01-01", "end_date": "2022-12-31"})
    append(workbook["Indicators"], {"action": "1.1", "code": "1.1.c", "name_en": "x", "unit": "u", "baseline": "abc",
                                    "target": 3})
    content = save(workbook)
    result = plan_import.plan_import_preview(user=cast.staff, plan=plan, content=content)
    messages = " | ".join(e.message for e in result.errors)
    assert "equals the baseline" in messages
    assert "before the start date" in messages
    assert "appears twice" in messages
    assert "no goal 9" in messages
    assert "baseline: “abc” is not a number" in messages
    assert all(e.row for e in result.errors)
    with pytest.raises(plan_import.ImportRefused):
        plan_import.plan_import_apply(user=cast.staff, plan=plan, content=content)
    assert Action.objects.get(code="1.1").title_en == "Issue papers"  # the good row was not applied either
    assert not Action.objects.filter(code="1.7").exists()


def test_an_imported_weight_outside_the_models_range_is_refused_naming_the_row_and_column(cast):
    plan, *_ = small_plan()
    workbook = workbook_of(plan)
    set_cell(workbook["Actions"], {"code": "2.1"}, "weight", 0)
    result = plan_import.plan_import_preview(user=cast.staff, plan=plan, content=save(workbook))
    assert [(e.sheet, e.message) for e in result.errors] == [
        ("Actions", "weight: Ensure this value is greater than or equal to 1.")
    ]
    assert result.errors[0].row == 3


@pytest.mark.parametrize(
    ("language", "cell", "stored"),
    [("fr", "1,5", Decimal("1.50")), ("es", "1.234,5", Decimal("1234.50")), ("en", "1,234.5", Decimal("1234.50")),
     ("fr", 2.5, Decimal("2.50"))],
)
def test_a_target_is_read_in_the_uploaders_language(cast, language, cell, stored):
    plan, *_ = small_plan()
    workbook = workbook_of(plan)
    set_cell(workbook["Indicators"], {"code": "1.1.a"}, "target", cell)
    with translation.override(language):
        plan_import.plan_import_apply(user=cast.staff, plan=plan, content=save(workbook))
    assert Indicator.objects.get(code="1.1.a").target == stored


@pytest.mark.parametrize(("language", "cell"), [("en", "0.125"), ("en", 0.125), ("fr", "1.234,5"), ("en", "2,5")])
def test_a_target_is_never_rounded_or_guessed(cast, language, cell):
    plan, *_ = small_plan()
    workbook = workbook_of(plan)
    set_cell(workbook["Indicators"], {"code": "1.1.a"}, "target", cell)
    with translation.override(language):
        result = plan_import.plan_import_preview(user=cast.staff, plan=plan, content=save(workbook))
    assert [e.message for e in result.errors if "target:" in e.message]


def test_deleting_an_action_with_updates_is_refused_with_the_reason(cast):
    plan, goal1, goal2, action, other = small_plan()
    f.ProgressUpdateFactory(action=other, member=cast.member_a)
    workbook = workbook_of(plan)
    set_cell(workbook["Actions"], {"code": "2.1"}, "delete", "yes")
    result = plan_import.plan_import_preview(user=cast.staff, plan=plan, content=save(workbook))
    assert not result.ok
    assert "has 1 progress updates" in result.errors[0].message and "retired" in result.errors[0].message


def test_deleting_an_action_without_updates(cast):
    plan, goal1, goal2, action, other = small_plan()
    workbook = workbook_of(plan)
    set_cell(workbook["Actions"], {"code": "2.1"}, "delete", "yes")
    plan_import.plan_import_apply(user=cast.staff, plan=plan, content=save(workbook))
    assert not Action.objects.filter(code="2.1").exists()


def test_rows_changed_in_metroplan_since_the_download_are_refused(cast):
    plan, goal1, goal2, action, other = small_plan()
    workbook = workbook_of(plan)
    services.action_update(user=cast.staff, action=action, data={"title_en": "Changed on the site"})
    set_cell(workbook["Actions"], {"code": "1.1"}, "title_en", "Changed in the file")
    result = plan_import.plan_import_preview(user=cast.staff, plan=plan, content=save(workbook))
    assert "since you opened it" in result.errors[0].message


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"not a spreadsheet", "not an .xlsx spreadsheet"),
        (None, "sheet 'Indicators' is missing"),
    ],
)
def test_malformed_uploads(cast, content, words):
    plan, *_ = small_plan()
    if content is None:
        workbook = workbook_of(plan)
        del workbook["Indicators"]
        content = save(workbook)
    result = plan_import.plan_import_preview(user=cast.staff, plan=plan, content=content)
    assert words in result.errors[0].message


def test_import_pages_preview_then_apply(client, cast):
    plan, *_ = small_plan()
    workbook = workbook_of(plan)
    set_cell(workbook["Goals"], {"code": "2"}, "title_es", "Una voz metropolitana")
    content = save(workbook)
    client.force_login(cast.staff)
    upload = io.BytesIO(content)
    upload.name = "plan.xlsx"
    response = client.post(reverse("plan-import"), {"file": upload})
    html = response.content.decode()
    assert "1 to update" in html and "Una voz metropolitana" in html
    assert Goal.objects.get(code="2").title_es in (None, "")
    digest = response.context["digest"]
    response = client.post(reverse("plan-import-apply"), {"digest": digest})
    assert response.status_code == 302
    assert Goal.objects.get(code="2").title_es == "Una voz metropolitana"


def test_import_page_refuses_a_csv(client, cast):
    small_plan()
    client.force_login(cast.staff)
    upload = io.BytesIO(b"a,b\n1,2\n")
    upload.name = "plan.csv"
    response = client.post(reverse("plan-import"), {"file": upload})
    assert "cannot be imported" in response.content.decode()


def test_plan_exports_write_formula_like_text_as_text_and_it_imports_back_unchanged(client, cast):
    plan, goal1, *_ = small_plan()
    goal1.title_en = "=HYPERLINK(\"http://evil\",\"x\")"
    goal1.save()
    Action.objects.filter(code="1.1").update(title_en="+1+2", description_en="@SUM(A1)")
    workbook = workbook_of(plan)
    header = [c.value for c in workbook["Goals"][1]]
    cell = next(r for r in workbook["Goals"].iter_rows(min_row=2) if r[0].value == goal1.code)[header.index("title_en")]
    assert cell.value == goal1.title_en and cell.data_type == "s" and cell.quotePrefix
    result = plan_import.plan_import_preview(user=cast.staff, plan=plan, content=save(workbook))
    assert result.ok and result.changes == []

    client.force_login(cast.staff)
    body = client.get(reverse("plan-export-csv")).content.decode()
    rows = list(csv.reader(io.StringIO(body)))
    assert not [value for row in rows for value in row if value.startswith(("=", "+", "@"))]
    assert any(value == "'" + goal1.title_en for row in rows for value in row)
    assert any(value == "'+1+2" for row in rows for value in row)


@pytest.mark.parametrize(("content", "says"), [(b"", "The submitted file is empty."), (None, "unpacks to")])
def test_an_empty_or_bomb_plan_upload_is_a_clear_400(client, cast, content, says):
    small_plan()
    client.force_login(cast.staff)
    upload = io.BytesIO(zip_bomb_xlsx() if content is None else content)
    upload.name = "plan.xlsx"
    response = client.post(reverse("plan-import"), {"file": upload})
    assert response.status_code == 400
    assert says in response.content.decode()
