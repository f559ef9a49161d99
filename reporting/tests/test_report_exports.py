"""A report's XLSX and CSV carry no formula: titles and names that start like
one are written as text and read back exactly."""

import csv
import io

import pytest
from openpyxl import load_workbook

from reporting import report_services
from reporting.tests.report_data import make_report, make_scenario

pytestmark = pytest.mark.django_db

TITLE = "=HYPERLINK(\"http://evil\",\"x\")"
NAME = "@SUM(A1)"
MEMBER = "-2+3 City"


@pytest.fixture
def report():
    scenario = make_scenario()
    scenario.action_1.title = TITLE
    scenario.action_1.save()
    scenario.indicator.name = NAME
    scenario.indicator.save()
    scenario.c.name = MEMBER
    scenario.c.save()
    return report_services.report_build(report_id=make_report(scenario).pk)


def test_the_report_xlsx_writes_formula_like_text_as_text(report):
    workbook = load_workbook(report.xlsx.open("rb"))
    cells = [cell for sheet in workbook.worksheets for row in sheet.iter_rows() for cell in row]
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    texts = {cell.value: cell for cell in cells if isinstance(cell.value, str)}
    for text in (TITLE, NAME, MEMBER):
        assert texts[text].data_type == "s" and texts[text].quotePrefix


def test_the_report_csv_writes_formula_like_text_as_text(report):
    rows = list(csv.reader(io.StringIO(report.csv.open("rb").read().decode("utf-8"))))
    values = [value for row in rows for value in row]
    assert not [value for value in values if value.startswith(("=", "+", "@")) or value.startswith("-2")]
    assert "'" + TITLE in values and "'" + NAME in values
    assert any(value.startswith("'-2+3 City") for value in values)
