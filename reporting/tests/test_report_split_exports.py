"""The split of a disaggregated indicator (by sex, by age group) in a report's
XLSX and CSV, as in its HTML and PDF: stable keys, labels in the report's
language, the frozen snapshot's numbers, identical in every language."""

import csv
import io
from decimal import Decimal as D

import pytest
from openpyxl import load_workbook

from metroplan.testing import factories as f
from reporting import report_files, report_services
from reporting.models import IndicatorValue
from reporting.tests.report_data import make_report, make_scenario

pytestmark = pytest.mark.django_db

LANGUAGES = ("en", "fr", "es")
SPLIT_KEYS = ["sex_period", "sex_members", "sex_members_without_parts", "sex_total", "women", "men", "sex_other",
              "age_period", "age_members", "age_members_without_parts", "age_total", "youth", "age_other"]
WOMEN = {"en": "Women", "fr": "Femmes", "es": "Mujeres"}


@pytest.fixture
def report():
    scenario = make_scenario()  # A 40 and B 80 approved in 2022-Q1 on 1.1.a
    indicator = scenario.indicator
    indicator.by_sex = indicator.by_age = True
    indicator.save()
    # Saved one by one, as a focal point's form saves them (the approved values the engine reads follow a save).
    parts = {scenario.a: {"women": D("30"), "men": D("10"), "youth": D("12")},
             # B gave a total by sex, none by age: left out of the age split
             scenario.b: {"women": D("20"), "men": D("50"), "sex_other": D("5")}}
    for member, values in parts.items():
        for value in IndicatorValue.objects.filter(update__member=member):
            for name, part in values.items():
                setattr(value, name, part)
            value.save()
    f.IndicatorFactory(action=scenario.action_1, code="1.1.b", baseline=D("0"), target=D("10"))  # no split
    return report_services.report_build(report_id=make_report(scenario).pk)


def _read(report, fmt, language) -> bytes:
    with report_files.report_file(report, fmt, language).file as handle:
        return handle.read()


def _indicators_sheet(report, language):
    workbook = load_workbook(io.BytesIO(_read(report, "xlsx", language)))
    [sheet] = [s for s in workbook.worksheets if s.cell(1, 1).value == "indicator"]
    rows = list(sheet.iter_rows(values_only=True))
    keys, labels = list(rows[0]), list(rows[1])
    return keys, labels, {row[0]: dict(zip(keys, row, strict=True)) for row in rows[2:]}


def test_the_xlsx_indicators_sheet_has_the_split_in_every_language_with_the_same_numbers(report):
    shown = {}
    for language in LANGUAGES:
        keys, labels, rows = _indicators_sheet(report, language)
        assert keys[-len(SPLIT_KEYS):] == SPLIT_KEYS
        assert WOMEN[language] in labels
        split = {key: rows["1.1.a"][key] for key in SPLIT_KEYS}
        assert split == {
            "sex_period": "2022-Q1", "sex_members": 2, "sex_members_without_parts": 0, "sex_total": 120,
            "women": 50, "men": 60, "sex_other": 5,
            "age_period": "2022-Q1", "age_members": 1, "age_members_without_parts": 1, "age_total": 40,
            "youth": 12, "age_other": 0,
        }
        # An indicator without a split: its split cells are empty.
        assert all(rows["1.1.b"][key] is None for key in SPLIT_KEYS)
        shown[language] = split
    assert shown["en"] == shown["fr"] == shown["es"]
    en, fr, es = (_indicators_sheet(report, language)[1] for language in LANGUAGES)
    assert en[-1] != fr[-1] and en[-1] != es[-1]  # "Other ages", translated


def test_the_csv_has_the_split_as_rows_of_its_indicator_in_every_language_with_the_same_numbers(report):
    found = {}
    for language in LANGUAGES:
        rows = list(csv.reader(io.StringIO(_read(report, "csv", language).decode("utf-8-sig"))))
        split = {row[3]: row[4] for row in rows[1:] if row[0] == "indicator" and row[1] == "1.1.a"
                 and row[3] not in ("latest value", "progress")}
        assert split == {"sex_total": "120.0", "women": "50.0", "men": "60.0", "sex_other": "5.0",
                         "age_total": "40.0", "youth": "12.0", "age_other": "0.0"}
        age = next(row for row in rows if row[1] == "1.1.a" and row[3] == "youth")
        assert "2022-Q1" in age[6] and age[7]  # its coverage and the member left out, in words
        # An indicator without a split has no split rows.
        assert {row[3] for row in rows if row[1] == "1.1.b"} == {"latest value", "progress"}
        found[language] = split
    assert found["en"] == found["fr"] == found["es"]
