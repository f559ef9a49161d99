"""Dates and numbers by locale: one date format per language on every page,
e-mail and report (metroplan/formats), decimals with the language's separator
inside sentences too, and no hand-made date format anywhere."""

import re
from datetime import UTC, date, datetime
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.utils import translation
from django.utils.formats import date_format

from members.zones import deadline_text, moment_text

ROOT = Path(settings.BASE_DIR)
NAMED = {"DATE_FORMAT", "DATETIME_FORMAT", "TIME_FORMAT", "YEAR_MONTH_FORMAT", "MONTH_DAY_FORMAT", "Y"}
DAY = date(2022, 4, 30)
MOMENT = datetime(2022, 4, 30, 14, 5, tzinfo=UTC)


def sources(*patterns):
    for pattern in patterns:
        for path in ROOT.glob(pattern):
            if not any(part in {".venv", "tests", "bench", "node_modules", "migrations"} for part in path.parts):
                yield path


@pytest.mark.parametrize(("language", "day", "moment"), [
    ("en", "30 April 2022", "30 April 2022, 14:05"),
    ("fr", "30 avril 2022", "30 avril 2022, 14:05"),
    ("es", "30 de abril de 2022", "30 de abril de 2022, 14:05"),
])
def test_each_language_writes_a_date_one_way(language, day, moment):
    with translation.override(language):
        assert date_format(DAY) == date_format(DAY, "DATE_FORMAT") == day
        assert date_format(MOMENT, "DATETIME_FORMAT") == moment
        assert deadline_text(DAY, "Europe/Paris").startswith(day)
        assert moment_text(MOMENT, "UTC") == {"en": "30 April 2022, 14:05 UTC", "fr": "30 avril 2022, 14:05 (UTC)",
                                              "es": "30 de abril de 2022, 14:05 (UTC)"}[language]


def test_templates_name_a_format_and_never_write_their_own():
    own = []
    for path in sources("*/templates/**/*.html", "*/templates/**/*.txt", "templates/**/*.html",
                        "templates/**/*.txt", "*/*/templates/**/*.html"):
        text = path.read_text(encoding="utf-8")
        for match in re.finditer(r'\|(date|time):"([^"]*)"', text):
            if match.group(2) not in NAMED:
                own.append(f"{path.relative_to(ROOT)}: {match.group(0)}")
    assert own == []


def test_python_writes_no_date_for_people_with_strftime():
    """strftime and f-string date formats write English month names and a
    format of their own; only file names and cache keys may use them."""
    allowed = {"reporting/figures/engine.py", "reporting/views.py", "actions/views_plan.py"}  # keys, file names
    found = []
    for path in sources("*/**/*.py"):
        relative = str(path.relative_to(ROOT))
        text = path.read_text(encoding="utf-8")
        if relative not in allowed and (".strftime(" in text or re.search(r"\{[^{}]*:%[a-zA-Z]", text)):
            found.append(relative)
    assert found == []


@pytest.mark.parametrize(("language", "expected"), [
    ("en", "1.1.a projected at 22.5 of 40.0 %"),
    ("fr", "1.1.a\u00a0: projection de 22,5 sur 40,0 %"),
    ("es", "1.1.a: proyección de 22,5 de 40,0 %"),
])
def test_a_decimal_inside_a_sentence_has_the_languages_separator(monkeypatch, language, expected):
    from reporting import selectors_home

    monkeypatch.setattr(selectors_home, "status_disagreements", lambda figures: [])
    warning = SimpleNamespace(action=None, indicator=SimpleNamespace(code="1.1.a", unit="%"), projected=22.5,
                              target=40, explanation="", explanation_html="")
    with translation.override(language):
        [flag] = selectors_home.staff_flags(SimpleNamespace(warnings=[warning]))
        assert flag.title == expected


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "period"), [
    ("en", "(1 April 2022 – 30 June 2022)"),
    ("fr", "(1 avril 2022 – 30 juin 2022)"),
    ("es", "(1 de abril de 2022 – 30 de junio de 2022)"),
])
def test_the_report_forms_period_choices_name_months_in_the_page_language(client, cast, language, period):
    from django.urls import reverse

    from metroplan.testing import factories as f

    f.ReportingPeriodFactory(code="2022-Q2", start=date(2022, 4, 1), end=date(2022, 6, 30))
    client.force_login(cast.staff)
    page = client.get(reverse("report-new"), HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert period in page
