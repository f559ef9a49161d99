"""The API speaks the request's language (Accept-Language): its error
messages, and the content fields, which also give every language's text
(`title` plus `title_en`/`title_fr`/`title_es`)."""

import pytest

from actions.models import Action


def _error(response, status):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    return response.json()


@pytest.mark.parametrize(("language", "words"), [
    ("en", "greater than or equal to 1"),
    ("fr", "supérieure ou égale à 1"),
    ("es", "mayor o igual a 1"),
])
def test_a_validation_error_is_in_the_requests_language(language, words, world, api, keys):
    response = api(keys["staff"]).patch(
        f"/api/v1/actions/{world.action1.code}/", {"weight": 0, "version": 1}, format="json",
        HTTP_ACCEPT_LANGUAGE=language,
    )
    body = _error(response, 400)
    assert words in " ".join(body["field_errors"]["weight"][0].split())  # French puts a no-break space
    assert Action.objects.get(pk=world.action1.pk).weight != 0


@pytest.mark.parametrize(("language", "words"), [
    ("en", "Not found"),
    ("fr", "Introuvable"),
    ("es", "No encontrado"),
])
def test_a_404_is_in_the_requests_language(language, words, world, api, keys):
    body = _error(api(keys["read"]).get("/api/v1/actions/no-such/", HTTP_ACCEPT_LANGUAGE=language), 404)
    assert body["code"] == "not_found"
    assert words.lower() in " ".join(body["message"].split()).lower()


@pytest.fixture
def translated(world):
    """Goal 1 and action 1.1 in three languages; action 2.1 in English only."""
    world.goal1.title_fr, world.goal1.title_es = "Gouvernance", "Gobernanza"
    world.goal1.description_en = "How the network is run."
    world.goal1.description_fr = "Comment le réseau est gouverné."
    world.goal1.save()
    world.action1.title_fr, world.action1.title_es = "Notes thématiques", "Notas temáticas"
    world.action1.save()
    world.indicator1.name_en, world.indicator1.name_fr, world.indicator1.name_es = "Papers", "Notes", "Notas"
    world.indicator1.unit_en, world.indicator1.unit_fr, world.indicator1.unit_es = "papers", "notes", "notas"
    world.indicator1.save()
    world.plan.name_en, world.plan.name_fr, world.plan.name_es = (
        "Strategic Action Plan", "Plan d'action stratégique", "Plan de Acción Estratégico"
    )
    world.plan.save()
    return world


def test_french_gives_the_french_title_and_every_language(translated, api, keys):
    goal = api(keys["read"]).get("/api/v1/goals/1/", HTTP_ACCEPT_LANGUAGE="fr").json()
    assert goal["title"] == "Gouvernance"
    assert (goal["title_en"], goal["title_fr"], goal["title_es"]) == ("Governance", "Gouvernance", "Gobernanza")
    assert goal["description"] == "Comment le réseau est gouverné."
    assert goal["description_es"] == ""

    action = api(keys["read"]).get("/api/v1/actions/1.1/", HTTP_ACCEPT_LANGUAGE="es").json()
    assert action["title"] == "Notas temáticas"
    assert action["title_fr"] == "Notes thématiques"

    indicator = api(keys["read"]).get(
        f"/api/v1/indicators/{translated.indicator1.pk}/", HTTP_ACCEPT_LANGUAGE="fr"
    ).json()
    assert (indicator["name"], indicator["unit"]) == ("Notes", "notes")
    assert (indicator["name_en"], indicator["name_es"], indicator["unit_es"]) == ("Papers", "Notas", "notas")

    plan = api(keys["read"]).get(f"/api/v1/plans/{translated.plan.code}/", HTTP_ACCEPT_LANGUAGE="es").json()
    assert plan["name"] == "Plan de Acción Estratégico"
    assert plan["name_fr"] == "Plan d'action stratégique"
    assert {"subtitle_en", "subtitle_fr", "subtitle_es"} <= set(plan)


def test_english_is_the_default_and_lists_carry_every_language(translated, api, keys):
    rows = api(keys["read"]).get("/api/v1/goals/").json()["results"]
    goal = next(row for row in rows if row["code"] == "1")
    assert goal["title"] == "Governance" and goal["title_fr"] == "Gouvernance"


def test_an_item_without_a_french_text_falls_back_to_english(translated, api, keys):
    action = api(keys["read"]).get("/api/v1/actions/2.1/", HTTP_ACCEPT_LANGUAGE="fr").json()
    assert action["title"] == "Heat plans"
    assert action["title_fr"] == ""
    assert action["title_en"] == "Heat plans"
    rows = api(keys["read"]).get("/api/v1/actions/", HTTP_ACCEPT_LANGUAGE="fr").json()["results"]
    assert {row["code"]: row["title"] for row in rows} == {"1.1": "Notes thématiques", "2.1": "Heat plans"}


def test_the_schema_documents_every_languages_fields(api, keys, world):
    schema = api(keys["read"]).get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    components = schema["components"]["schemas"]
    for component, fields in {
        "Plan": ("name", "subtitle"), "Goal": ("title", "description"), "Action": ("title", "description"),
        "Indicator": ("name", "description", "unit"),
    }.items():
        properties = components[component]["properties"]
        for field in fields:
            assert "language" in properties[field]["description"].lower()
            assert not properties[field].get("nullable")
            for code in ("en", "fr", "es"):
                assert properties[f"{field}_{code}"]["type"] == "string", (component, field, code)
                assert not properties[f"{field}_{code}"].get("nullable"), (component, field, code)  # "" where none
