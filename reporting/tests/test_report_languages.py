"""A report in the reader's language: one frozen snapshot (data, no sentence),
rendered in English, French and Spanish with the same numbers in every format;
the page links its three languages; CSV and XLSX keep stable column keys under
translated labels; old (version 1) snapshots still render."""

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from pptx import Presentation
from pypdf import PdfReader

from members.models import UserProfile
from reporting import report_files, report_services
from reporting.rendering import CSV_COLUMNS, render_csv, render_html, render_xlsx
from reporting.report_deck import render_pptx
from reporting.tests.report_data import make_report, make_scenario

pytestmark = pytest.mark.django_db

LANGUAGES = ("en", "fr", "es")
# North's compliance is 2 of 3: each language writes it its own way.
TWO_THIRDS = {"en": "66.7%", "fr": "66,7\u00a0%", "es": "66,7\u00a0%"}
SUMMARY = {"en": "Executive summary", "fr": "Synthèse", "es": "Resumen ejecutivo"}


@pytest.fixture
def report():
    scenario = make_scenario()
    scenario.action_1.title_fr = "Écouter les membres"
    scenario.action_1.title_es = "Escuchar a los miembros"
    scenario.action_1.save()
    return report_services.report_build(report_id=make_report(scenario).pk)


def _walk(value):
    """Every string of a snapshot."""
    if isinstance(value, dict):
        for item in value.values():
            yield from _walk(item)
    elif isinstance(value, list):
        for item in value:
            yield from _walk(item)
    elif isinstance(value, str):
        yield value


def test_the_snapshot_freezes_data_not_sentences(report):
    strings = set(_walk(report.snapshot))
    for english in ("no update", "Period close", "on time", "Linear trend", "Indicator progress =",
                    "approved data for indicators", "updates received"):
        assert not [s for s in strings if english in s], english
    # Plan content is kept in every language it has.
    action = next(a for a in report.snapshot["actions"] if a["code"] == "1.1")
    assert action["title"]["fr"] == "Écouter les membres" and action["title"]["es"] == "Escuchar a los miembros"


def _pdf_text(data: bytes) -> str:
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages).split())


def _read(report, fmt, language) -> bytes:
    rendered = report_files.report_file(report, fmt, language)
    with rendered.file as handle:
        return handle.read()


def test_every_format_in_every_language_has_the_same_numbers(report):
    csv_values, xlsx_numbers, deck_values = {}, {}, {}
    for language in LANGUAGES:
        html = render_html(report.snapshot, language)
        assert SUMMARY[language] in html and TWO_THIRDS[language] in html, language
        text = _pdf_text(_read(report, "pdf", language))
        assert SUMMARY[language] in text and "C South City" in text, language
        assert TWO_THIRDS[language].replace("\u202f", " ").replace("\u00a0", " ") in text.replace(
            "\u202f", " ").replace("\u00a0", " "), language

        rows = list(csv.reader(io.StringIO(_read(report, "csv", language).decode("utf-8-sig"))))
        csv_values[language] = [(row[0], row[1], row[3], row[4]) for row in rows[1:]]

        workbook = load_workbook(io.BytesIO(_read(report, "xlsx", language)))
        xlsx_numbers[language] = [
            [cell for cell in row if isinstance(cell, int | float) and not isinstance(cell, bool)]
            for sheet in workbook.worksheets for row in sheet.iter_rows(min_row=3, values_only=True)
        ]
        deck = Presentation(io.BytesIO(_read(report, "pptx", language)))
        deck_values[language] = [
            list(plot.series[0].values) for slide in deck.slides for shape in slide.shapes if shape.has_chart
            for plot in shape.chart.plots
        ]
    assert csv_values["en"] == csv_values["fr"] == csv_values["es"]
    assert xlsx_numbers["en"] == xlsx_numbers["fr"] == xlsx_numbers["es"]
    assert deck_values["en"] == deck_values["fr"] == deck_values["es"]


def test_csv_and_xlsx_keep_their_keys_and_translate_their_labels(report):
    headers = {}
    for language in LANGUAGES:
        rows = list(csv.reader(io.StringIO(render_csv(report.snapshot, language))))
        assert len(rows[0]) == len(CSV_COLUMNS)
        headers[language] = rows[0]
        assert {row[0] for row in rows[1:]} >= {"report", "plan", "goal", "action", "indicator", "compliance_member"}
    assert headers["en"][4] == "Value" and headers["fr"][4] == "Valeur" and headers["es"][4] == "Valor"

    keys, labels, titles = {}, {}, {}
    for language in LANGUAGES:
        workbook = load_workbook(io.BytesIO(render_xlsx(report.snapshot, language)))
        titles[language] = workbook.sheetnames
        keys[language] = [[cell.value for cell in sheet[1]] for sheet in workbook.worksheets]
        labels[language] = [[cell.value for cell in sheet[2]] for sheet in workbook.worksheets]
        assert all(sheet.row_dimensions[1].hidden for sheet in workbook.worksheets)
    assert keys["en"] == keys["fr"] == keys["es"]
    assert keys["en"][0] == ["key", "figure", "value"]
    assert labels["en"][0] != labels["fr"][0] != labels["es"][0]
    assert titles["en"][0] == "Summary" and titles["fr"][0] == "Synthèse" and titles["es"][0] == "Resumen"


def test_the_page_links_its_three_languages_and_shows_the_one_asked_for(client, cast, report):
    client.force_login(cast.focal_a)
    url = reverse("report-detail", args=[report.pk])
    page = client.get(url).content.decode()
    assert 'href="?language=fr"' in page and 'href="?language=es"' in page
    assert "Executive summary" in page
    french = client.get(url, {"language": "fr"}).content.decode()
    assert "Synthèse" in french and "Écouter les membres" in french
    assert f'{reverse("report-download", args=[report.pk, "pdf"])}?language=fr' in french
    assert client.get(url, {"language": "de"}).status_code == 404
    spanish_pdf = client.get(reverse("report-download", args=[report.pk, "pdf"]), {"language": "es"})
    assert spanish_pdf["Content-Disposition"].endswith('-es.pdf"')
    assert "Resumen ejecutivo" in _pdf_text(b"".join(spanish_pdf.streaming_content))


def test_the_default_language_is_the_readers(client, cast, report):
    UserProfile.objects.update_or_create(user=cast.focal_a, defaults={"language": "fr"})
    client.force_login(cast.focal_a)
    page = client.get(reverse("report-detail", args=[report.pk])).content.decode()
    assert "Synthèse" in page
    deck = client.get(reverse("report-download", args=[report.pk, "pptx"]))
    assert deck["Content-Disposition"].endswith('-fr.pptx"')


def test_a_rendering_is_made_once_then_served_from_storage(report, monkeypatch):
    calls = []
    render = report_files._render
    monkeypatch.setattr(report_files, "_render", lambda *args: calls.append(args[1:3]) or render(*args))
    first = _read(report, "csv", "fr")
    assert _read(report, "csv", "fr") == first
    assert calls == [("csv", "fr")]
    # The default language's files were made by the build.
    _read(report, "xlsx", "en")
    assert calls == [("csv", "fr")]


V1_SNAPSHOT = {  # as the first reports stored it (English sentences inside)
    "version": 1,
    "meta": {"report_id": 7, "plan": {"code": "2021-2023", "name": "Strategic Action Plan 2021-2023"},
             "kind": "period", "kind_label": "Period close",
             "period": {"code": "2022-Q1", "start": "2022-01-01", "end": "2022-03-31", "deadline": "2022-04-30"},
             "as_of": "2022-03-31", "compliance_on": "2022-05-02", "generated_at": "2022-05-02T08:00:00+00:00",
             "approved_updates_used": 2, "demo_updates_used": 0, "demo_note": "", "corrects": None,
             "correction_note": ""},
    "plan_progress": {"value": 0.55, "rule": "Indicator progress = (old rule)", "inputs": ["2 actions"],
                      "left_out": [], "covered": 1, "expected": 1, "coverage_label": "approved data for indicators",
                      "percent": 55, "coverage": "approved data for indicators from 1 of 1",
                      "members_without_approved_update": ["C South City"]},
    "status_mix": [{"status": "on_track", "label": "On track", "count": 2}],
    "goals": [{"code": "1", "title": "Listening", "progress": 0.6, "percent": 60, "action_count": 1,
               "indicators_without_values": [], "members_without_approved_update": ["C South City"]}],
    "actions": [{"code": "1.1", "goal": "1", "title": "Listen", "status": "on_track", "status_label": "On track",
                 "weight": 1, "counted": True, "progress": 0.6, "percent": 60, "progress_from": "indicators",
                 "indicators": ["1.1.a"], "indicators_without_values": [], "expected_members": 3,
                 "approved_members": 2, "missing_members": [{"member": "C South City", "why": "no update"}]}],
    "indicators": [{"code": "1.1.a", "action": "1.1", "name": "Cities heard", "unit": "cities", "baseline": 0.0,
                    "target": 100.0, "direction": "increase", "latest_value": 60.0,
                    "latest_period_end": "2022-03-31", "latest_members": 2, "progress": 0.6, "percent": 60,
                    "counted": True, "expected_members": 3, "reported_members": 2,
                    "missing_members": [{"member": "C South City", "why": "no update"}]}],
    "compliance": {
        "period": {"value": 0.5, "rule": "Compliance = (old rule)", "inputs": ["2 on time, 1 late, 1 missing"],
                   "left_out": [], "covered": 3, "expected": 4, "coverage_label": "updates received", "percent": 50,
                   "coverage": "updates received from 3 of 4",
                   "members_missing": [{"member": "C South City", "actions": ["1.1"]}]},
        "by_region": [{"region": "North", "slug": "north", "value": 0.6667, "rule": "Compliance = (old rule)",
                       "inputs": ["2 on time, 1 late, 0 missing"], "left_out": [], "covered": 3, "expected": 3,
                       "coverage_label": "", "percent": 67, "coverage": "3 of 3", "members_missing": []}],
        "by_member": [{"member": "C South City", "region": "South", "expected": 1, "on_time": 0, "late": 0,
                       "excused": 0, "missing": 1, "due": 0, "rate": 0.0, "percent": 0,
                       "missing_actions": ["1.1"], "not_yet_due_actions": []}],
        "by_period": [{"period": "2022-Q1", "end": "2022-03-31", "value": 0.5, "rule": "x", "inputs": ["2 on time"],
                       "left_out": [], "covered": 3, "expected": 4, "coverage_label": "", "percent": 50,
                       "coverage": "3 of 4"}],
    },
    "early_warnings": [{"action": "1.1", "action_title": "Listen", "indicator": "1.1.a",
                        "indicator_name": "Cities heard", "unit": "cities", "projected": 70.0, "target": 100.0,
                        "points": 2, "explanation": "Linear trend of 2 periods projects 70.0 cities."}],
    "data_gaps": {"members_missing_updates": ["C South City"], "members_with_updates_not_approved": [],
                  "indicators_without_values": [], "indicator_member_gaps": 1},
    "changes": {"previous": {"id": 3, "period": "2021-Q4", "as_of": "2021-12-31"},
                "items": [{"figure": "Plan progress", "before": "25%", "after": "55%"}]},
}


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_old_snapshot_renders_in_every_format_and_language(language):
    html = render_html(V1_SNAPSHOT, language)
    assert SUMMARY[language] in html
    assert "C South City (no update)" in html  # its stored English words, as they were
    assert "Linear trend of 2 periods" in html
    rows = list(csv.reader(io.StringIO(render_csv(V1_SNAPSHOT, language))))
    assert ["plan", "2021-2023"] == rows[2][:2] and rows[2][4] == "55.0"
    assert load_workbook(io.BytesIO(render_xlsx(V1_SNAPSHOT, language))).worksheets[0]["C12"].value == 0.55
    deck = Presentation(io.BytesIO(render_pptx(V1_SNAPSHOT, language)))
    assert len(deck.slides) == 4  # title, summary, one goal, data gaps
