"""Plan content in three languages: the plan editor shows staff which items
still lack a French or Spanish text, and the SDGs carry the UN's wordings."""

import html
import re

import pytest
from django.urls import reverse
from django.utils import translation

from actions.models import SustainableDevelopmentGoal
from metroplan.testing import factories as f

pytestmark = pytest.mark.django_db


def page_text(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def plan_in_two_and_a_half_languages():
    plan = f.PlanFactory(translation_note_en="Working translations, not the official wording.",
                         translation_note_fr="Traductions de travail, non le texte officiel.")
    goal = f.GoalFactory(plan=plan, code="1", title="Governance", title_fr="Gouvernance", title_es="Gobernanza")
    action = f.ActionFactory(goal=goal, code="1.1", title="Issue papers", title_fr="Notes thématiques",
                             title_es="Documentos temáticos")
    done = f.IndicatorFactory(action=action, code="1.1.a", name="Papers", unit="papers")
    done.name_fr, done.name_es, done.unit_fr, done.unit_es = "Notes", "Documentos", "notes", "documentos"
    done.save()
    # French title but no Spanish one; a French description is missing too.
    f.ActionFactory(goal=goal, code="1.2", title="Managers", title_fr="Gestionnaires", description="Yearly.",
                    description_es="Anual.", title_es="")
    half = f.IndicatorFactory(action=action, code="1.1.b", name="Readers", unit="readers")
    half.name_fr, half.name_es, half.unit_fr = "Lecteurs", "Lectores", "lecteurs"
    half.save()
    return plan


def gaps(page: str) -> dict[str, str]:
    return dict(re.findall(r"<li>Missing translation \((\w+)\): ([^<]*)</li>", page))


def test_staff_see_which_items_lack_a_translation(client, cast, plan_in_two_and_a_half_languages):
    client.force_login(cast.staff)
    page = page_text(client.get(reverse("plan-outline")))
    assert gaps(page) == {"French": "1.2", "Spanish": "1.1.b, 1.2"}
    assert page.count("translation missing: French, Spanish") == 1  # action 1.2
    assert page.count("translation missing: Spanish") == 1  # indicator 1.1.b (its unit)
    assert "Working translations, not the official wording." in page


def test_the_missing_translation_list_is_in_the_page_language(client, cast, plan_in_two_and_a_half_languages):
    client.force_login(cast.staff)
    page = page_text(client.get(reverse("plan-outline"), HTTP_ACCEPT_LANGUAGE="fr"))
    assert "Traduction manquante (Espagnol) : 1.1.b, 1.2" in page
    assert "traduction manquante : Français, Espagnol" in page
    assert "Traductions de travail, non le texte officiel." in page
    assert "Gouvernance" in page and "Notes thématiques" in page
    # An item with no French title reads in English.
    spanish = page_text(client.get(reverse("plan-outline"), HTTP_ACCEPT_LANGUAGE="es"))
    assert "Managers" in spanish and "Documentos temáticos" in spanish


def test_a_plan_fully_translated_shows_no_gap(client, cast):
    plan = f.PlanFactory()
    f.GoalFactory(plan=plan, code="1", title="Governance", title_fr="Gouvernance", title_es="Gobernanza")
    client.force_login(cast.staff)
    page = page_text(client.get(reverse("plan-outline")))
    assert "Missing translation" not in page and "translation missing" not in page


def test_readers_who_cannot_edit_see_no_translation_markers(client, cast, plan_in_two_and_a_half_languages):
    client.force_login(cast.focal_a)
    response = client.get(reverse("plan-outline"))
    if response.status_code == 200:
        page = page_text(response)
        assert "Missing translation" not in page and "translation missing" not in page
    else:
        assert response.status_code in (403, 404)


@pytest.mark.parametrize("lang, number, name, title", [
    ("en", 11, "Sustainable cities and communities",
     "Make cities and human settlements inclusive, safe, resilient and sustainable"),
    ("fr", 11, "Villes et communautés durables",
     "Faire en sorte que les villes et les établissements humains soient ouverts à tous, sûrs, résilients et "
     "durables"),
    ("es", 11, "Ciudades y comunidades sostenibles",
     "Lograr que las ciudades y los asentamientos humanos sean inclusivos, seguros, resilientes y sostenibles"),
    ("fr", 5, "Égalité entre les sexes",
     "Parvenir à l'égalité des sexes et autonomiser toutes les femmes et les filles"),
    ("es", 5, "Igualdad de género", "Lograr la igualdad de género y empoderar a todas las mujeres y las niñas"),
    ("fr", 13, "Mesures relatives à la lutte contre les changements climatiques",
     "Prendre d'urgence des mesures pour lutter contre les changements climatiques et leurs répercussions"),
    ("es", 17, "Alianzas para lograr los objetivos",
     "Fortalecer los medios de implementación y revitalizar la Alianza Mundial para el Desarrollo Sostenible"),
])
def test_sdg_names_and_titles_are_the_un_wordings_in_each_language(lang, number, name, title):
    sdg = SustainableDevelopmentGoal.objects.get(number=number)
    with translation.override(lang):
        assert (sdg.name, sdg.title) == (name, title)
        assert str(sdg) == f"SDG {number}: {name}"


def test_every_sdg_has_its_three_wordings():
    for field in ("name_en", "name_fr", "name_es", "title_en", "title_fr", "title_es"):
        filled = SustainableDevelopmentGoal.objects.exclude(**{field: ""}).exclude(**{f"{field}__isnull": True})
        assert filled.count() == 17


def test_plan_content_shown_in_english_for_want_of_a_translation_says_so_in_the_markup(
        client, cast, plan_in_two_and_a_half_languages):
    client.force_login(cast.staff)
    spanish = page_text(client.get(reverse("action-detail", args=["1.2"]), HTTP_ACCEPT_LANGUAGE="es"))
    assert '<span lang="en">Managers</span>' in spanish
    french = page_text(client.get(reverse("action-detail", args=["1.2"]), HTTP_ACCEPT_LANGUAGE="fr"))
    assert "<h1>Action 1.2 Gestionnaires</h1>" in french
    english = page_text(client.get(reverse("action-detail", args=["1.2"]), HTTP_ACCEPT_LANGUAGE="en"))
    assert "Managers" in english and '<span lang="en">' not in english


def test_a_sentence_around_plan_content_marks_the_english_unit_on_a_french_page():
    """An early warning's sentence: as text (API, spreadsheets) the unit as it
    is; as HTML the untranslated unit inside lang="en", the rest escaped."""
    from datetime import date
    from types import SimpleNamespace

    from actions.models import Indicator
    from reporting.figures.engine import EarlyWarning

    indicator = Indicator(code="1.1.a", unit_en="cities <b>trained</b>", unit_fr="", unit_es="villas")
    warning = EarlyWarning(SimpleNamespace(end_date=date(2023, 12, 31)), indicator, 4.5, 10, 3)
    with translation.override("fr"):
        assert "4,5 cities <b>trained</b> " in warning.explanation
        assert '<span lang="en">cities &lt;b&gt;trained&lt;/b&gt;</span>' in warning.explanation_html
    with translation.override("es"):
        assert " villas " in warning.explanation_html and "lang=" not in warning.explanation_html


def test_a_reports_text_knows_its_language_and_the_filter_marks_a_fallback():
    from django.template import Context, Template

    from reporting.report_view import pick

    title = pick({"en": "Heat plans", "es": "Planes de calor"}, "fr")
    assert (title, title.language) == ("Heat plans", "en")
    template = Template('{% load plan_translations %}{{ title|content }}')
    with translation.override("fr"):
        assert template.render(Context({"title": title})) == '<span lang="en">Heat plans</span>'
    spanish = pick({"en": "Heat plans", "es": "Planes de calor"}, "es")
    with translation.override("es"):
        assert template.render(Context({"title": spanish})) == "Planes de calor"
