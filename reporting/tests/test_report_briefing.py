"""The Board's report: the PDF is a briefing book (cover, executive summary,
one page per goal with its charts drawn as vector paths, the members' words,
data gaps, tables in an annex), and the same report is a slide deck with one
slide per goal and its chart."""

import io
import re
from datetime import date

import pytest
from pptx import Presentation
from pypdf import PdfReader

from metroplan.testing import factories as f
from reporting import report_files, report_services
from reporting.rendering import render_html
from reporting.tests.report_data import make_report, make_scenario

pytestmark = pytest.mark.django_db
# Curves in a page's drawing: the charts' rounded bars and the series' points (tables draw none).
CURVE = re.compile(rb"(?m) c$")


@pytest.fixture
def report():
    scenario = make_scenario()
    scenario.plan.goals.filter(code="1").update(title="Listening to cities")
    scenario.plan.goals.filter(code="2").update(title="A stronger network")
    # A second period of values, so the indicator has a series.
    earlier = f.ReportingPeriodFactory(plan=scenario.plan, code="2021-Q4", start=date(2021, 10, 1),
                                       end=date(2021, 12, 31))
    scenario.value_b.update.narrative = "Barrio councils met twice; the survey is out."
    scenario.value_b.update.save()
    update = f.ProgressUpdateFactory(member=scenario.a, action=scenario.action_1, period=earlier, state="approved",
                                     first_submitted_at=scenario.value_b.update.first_submitted_at,
                                     reviewed_at=scenario.value_b.update.reviewed_at)
    f.IndicatorValueFactory(update=update, indicator=scenario.indicator, value=20)
    return report_services.report_build(report_id=make_report(scenario).pk)


def _pages(report, language="en"):
    rendered = report_files.report_file(report, "pdf", language)
    with rendered.file as handle:
        reader = PdfReader(io.BytesIO(handle.read()))
    return [(" ".join(page.extract_text().split()), page.get_contents().get_data()) for page in reader.pages]


def test_the_pdf_is_a_briefing_book(report):
    pages = _pages(report)
    texts = [text for text, _drawing in pages]
    cover, summary = texts[0], texts[1]
    assert "Progress report 2022-Q1" in cover and "METROPOLIS" in cover.upper() and "55%" in cover
    for heading in ("Executive summary", "Plan progress", "Compliance per region", "Early warnings"):
        assert heading.lower() in summary.lower(), heading
    goal_pages = [i for i, text in enumerate(texts) if re.search(r"GOAL [12]\b", text.upper())
                  and ("Listening to cities" in text or "A stronger network" in text)]
    assert len(goal_pages) == 2 and goal_pages == [2, 3]  # one page per goal, after the summary
    listening = texts[goal_pages[0]]
    assert "Progress of its actions" in listening and "Indicators against their targets" in listening
    assert "Compliance per region" in listening
    assert "Barrio councils met twice" in texts[goal_pages[0]]  # a member's narrative, highlighted
    assert "C South City" in texts[goal_pages[0]]  # its data gaps
    for index in goal_pages:
        assert len(CURVE.findall(pages[index][1])) >= 8, index  # the charts (rounded bars), as vector paths
    gaps = next(i for i, text in enumerate(texts) if text.startswith("Data gaps") or " Data gaps " in text[:80])
    annex = next(i for i, text in enumerate(texts) if "ANNEX" in text.upper() and "Tables" in text)
    assert gaps > goal_pages[-1] and annex > gaps
    assert "Compliance by member" in " ".join(texts[annex:])
    assert not CURVE.findall(pages[annex][1])  # tables, no charts
    assert all(re.search(rf"Page {n} / {len(pages)}", text) for n, text in enumerate(texts, 1) if n > 1)


def test_the_secretariats_commentary_is_printed_where_there_is_one(report):
    snapshot = dict(report.snapshot)
    assert snapshot["commentary"] == {"goals": {}, "actions": {}}
    assert "The secretariat's commentary" not in render_html(snapshot, "en")
    snapshot["commentary"] = {"goals": {"1": {"en": "On course after a slow start.", "fr": "En bonne voie."}},
                              "actions": {"1.1": "Survey fielded."}}
    html = render_html(snapshot, "en")
    assert "The secretariat's commentary" in html and "On course after a slow start." in html
    assert "Survey fielded." in html
    assert "En bonne voie." in render_html(snapshot, "fr")


def test_the_deck_has_a_slide_per_goal_with_its_chart(report):
    rendered = report_files.report_file(report, "pptx", "en")
    with rendered.file as handle:
        deck = Presentation(io.BytesIO(handle.read()))
    slides = [(" ".join(shape.text_frame.text for shape in slide.shapes if shape.has_text_frame),
               [shape.chart for shape in slide.shapes if shape.has_chart]) for slide in deck.slides]
    assert len(slides) == 2 + 2 + 1  # title, summary, two goals, data gaps
    title, summary = slides[0][0], slides[1][0]
    assert "Progress report 2022-Q1" in title and "55%" in title
    assert "Executive summary" in summary and slides[1][1]  # the goals' chart
    for text, charts in slides[2:4]:
        assert "Goal" in text.split()[0].title() or "GOAL" in text.upper()
        assert len(charts) == 1
    listening_text, (listening_chart,) = slides[2]
    assert "Listening to cities" in listening_text and "60%" in listening_text
    assert list(listening_chart.plots[0].categories)[0].startswith("1.1")
    assert list(listening_chart.plots[0].series[0].values) == pytest.approx([0.6])
    assert "Data gaps" in slides[-1][0]


def test_an_indicators_chart_draws_the_target_of_each_period(report):
    from types import SimpleNamespace

    from reporting.report_charts import series_chart
    from reporting.report_view import Words

    (row,) = report.snapshot["indicators"]
    targets = [point["target"] for point in row["series"]]
    # Interpolated from the baseline at the plan's start towards the end target: rising, below the end target.
    assert all(t is not None for t in targets) and targets == sorted(targets) and targets[-1] <= row["target"]
    indicator = SimpleNamespace(**{**row, "name": row["name"]["en"], "unit": row["unit"]["en"]})
    svg = str(series_chart(indicator, Words("en")))
    assert "<title>period target</title>" in svg


def test_a_count_shows_whole_numbers_in_the_report_and_its_chart():
    """Counts display as whole numbers everywhere, the report too: the network
    mean of 40, 80 and 83 activities is 68 activities, not 67.67."""
    from reporting.report_view import ReportView

    scenario = make_scenario()
    scenario.indicator.measure = "count"
    scenario.indicator.decimals = None
    scenario.indicator.save()
    update = f.ProgressUpdateFactory(member=scenario.c, action=scenario.action_1, period=scenario.period,
                                     state="approved", first_submitted_at=scenario.value_b.update.first_submitted_at,
                                     reviewed_at=scenario.value_b.update.reviewed_at)
    f.IndicatorValueFactory(update=update, indicator=scenario.indicator, value=83)
    built = report_services.report_build(report_id=make_report(scenario).pk)

    (indicator,) = ReportView(built.snapshot, "en").indicators
    assert indicator.latest_value == pytest.approx(67.67, abs=0.01)
    assert (indicator.latest_text, indicator.baseline_text, indicator.target_text) == ("68", "0", "100")
    html = render_html(built.snapshot, "en")
    # The annex's latest value and the chart's last point (the progress, 67.7 %, is a percentage).
    assert '<td class="num">68<br>' in html and ">68</text>" in html and "67.67" not in html


def test_a_charts_labels_are_drawn_as_words_in_the_pdf():
    """A chart's label is one run of text in the PDF (laid out once, with the
    font's kerning), not a text operation per letter; text placed letter by
    letter (dx here) is still drawn letter by letter."""
    from weasyprint import HTML

    from reporting import pdf_svg_text
    from reporting.report_charts import progress_bars

    def page(svg):
        pdf = HTML(string=f"<html><body>{svg}</body></html>", base_url=None).write_pdf()
        page = PdfReader(io.BytesIO(pdf)).pages[0]
        return " ".join(page.extract_text().split()), len(re.findall(rb"T[jJ]\b", page.get_contents().get_data()))

    pdf_svg_text.install()
    text, shows = page(progress_bars([("1.1 Listening to cities", 0.5, "50%"),
                                      ("1.2 City Managers Community", 0.25, "25%")], label="Progress"))
    assert "1.1 Listening to cities 50% 1.2 City Managers Community 25%" in text
    assert 1 <= shows <= 4  # at most one per label (44 when drawn letter by letter)
    text, shows = page('<svg xmlns="http://www.w3.org/2000/svg" width="200" height="30">'
                       '<text x="0" y="20" dx="0 3 3 3 3 3" font-family="DejaVu Sans">Spaced</text></svg>')
    assert text.replace(" ", "") == "Spaced" and shows == len("Spaced")
