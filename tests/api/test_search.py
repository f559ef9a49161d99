"""Search across narratives, reviewers' comments and evidence titles: the
search page and `?search=` on the updates API (reporting/search.py).

Words that match on both databases run everywhere; stemming and accents are
PostgreSQL's (CI runs them: DATABASE_URL is PostgreSQL there), the substring
fallback SQLite's."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from metroplan.testing import factories as f
from reporting.models import Evidence, ProgressUpdate
from reporting.search import _substring_snippet

postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only (CI runs it)")
sqlite = pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite fallback")
UPDATES = "/api/v1/updates/"


@pytest.fixture
def texts(world, cast):
    """French, Spanish and English words in the updates of the API world."""
    ProgressUpdate.objects.filter(pk=world.approved_a.pk).update(
        narrative="Nous avons lancé un programme pour l'énergie solaire dans les quartiers populaires "
                  "(coûts < 5 % & aides) <script>alert(1)</script>",
        reviewer_comment="Merci pour les chiffres du transport public.",
    )
    ProgressUpdate.objects.filter(pk=world.approved_b.pk).update(
        narrative="Programa de economía circular con los barrios y las cooperativas.",
    )
    ProgressUpdate.objects.filter(pk=world.draft_b.pk).update(
        narrative="Brouillon secret : énergie solaire et économies d'énergie à Member B.",
    )
    Evidence.objects.create(update=world.approved_b, title="Rapport sur la mobilité électrique",
                            url="https://example.org/mobilite")
    return world


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def found(api_client, **params) -> list[int]:
    response = api_client.get(UPDATES, params)
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def page_found(client, **params) -> list[int]:
    response = client.get(reverse("search"), params)
    assert response.status_code == 200
    return [update.pk for update in response.context["page"]] if response.context["page"] is not None else []


# --- on both databases ---------------------------------------------------------------------------


def test_a_focal_point_never_finds_another_members_draft(texts, cast, api, keys):
    world = texts
    focal_a, focal_b, staff = api(keys["focal_a"]), api(keys["focal_b"]), api(keys["staff"])
    assert found(focal_a, search="solaire") == [world.approved_a.pk]
    assert page_found(client_for(cast.focal_a), search="solaire") == [world.approved_a.pk]
    assert set(found(focal_b, search="solaire")) == {world.approved_a.pk, world.draft_b.pk}
    assert set(found(staff, search="solaire")) == {world.approved_a.pk, world.draft_b.pk}
    assert set(page_found(client_for(cast.staff), search="solaire")) == {world.approved_a.pk, world.draft_b.pk}
    # A read token sees approved updates only, whatever the words.
    assert found(api(keys["read"]), search="secret") == []
    assert found(api(keys["read"]), search="solaire") == [world.approved_a.pk]


def test_the_api_answers_with_highlighted_escaped_snippets(texts, api, keys):
    world = texts
    response = api(keys["staff"]).get(UPDATES, {"search": "populaires"})
    [row] = response.json()["results"]
    assert row["id"] == world.approved_a.pk
    assert row["match"]["rank"] > 0
    [snippet] = row["match"]["snippets"]
    assert snippet["field"] == "narrative"
    assert "<mark>populaires</mark>" in snippet["html"]
    # The text is escaped; only <mark> is HTML (PostgreSQL's headline leaves tags out, SQLite's escapes them).
    assert "&lt; 5 % &amp; aides" in snippet["html"] and "<script>" not in snippet["html"]
    # Without search, the same shape with no match.
    rows = api(keys["staff"]).get(UPDATES).json()["results"]
    assert rows and all(row["match"] is None for row in rows)


def test_reviewer_comments_and_evidence_titles_are_searched(texts, api, keys):
    world = texts
    staff = api(keys["staff"])
    [row] = staff.get(UPDATES, {"search": "transport"}).json()["results"]
    assert row["id"] == world.approved_a.pk
    assert [s["field"] for s in row["match"]["snippets"]] == ["reviewer_comment"]
    assert "<mark>transport</mark>" in row["match"]["snippets"][0]["html"]
    [row] = staff.get(UPDATES, {"search": "Rapport"}).json()["results"]
    assert row["id"] == world.approved_b.pk
    assert row["match"]["snippets"] == [
        {"field": "evidence", "html": "<mark>Rapport</mark> sur la mobilité électrique"}
    ]


def test_evidence_titles_are_found_as_they_are_added_renamed_and_removed(texts, api, keys):
    # On PostgreSQL the titles are part of their update's search vector, kept by triggers.
    world = texts
    staff = api(keys["staff"])
    assert found(staff, search="hydrologique") == []
    evidence = Evidence.objects.create(update=world.approved_a, title="Étude hydrologique du bassin",
                                       url="https://example.org/bassin")
    assert found(staff, search="hydrologique") == [world.approved_a.pk]
    evidence.title = "Carte du bassin versant"
    evidence.save()
    assert found(staff, search="hydrologique") == []
    assert found(staff, search="versant") == [world.approved_a.pk]
    evidence.delete()
    assert found(staff, search="versant") == []
    assert found(staff, search="populaires") == [world.approved_a.pk]  # the update's own words stay


def test_a_narrative_match_ranks_above_an_evidence_title_match(texts, api, keys):
    world = texts
    ProgressUpdate.objects.filter(pk=world.approved_a.pk).update(narrative="Rapport annuel du programme solaire.")
    assert found(api(keys["staff"]), search="rapport") == [world.approved_a.pk, world.approved_b.pk]


def test_a_narrative_match_ranks_above_a_comment_match(texts, cast, api, keys):
    world = texts
    ProgressUpdate.objects.filter(pk=world.approved_b.pk).update(narrative="Le transport public gratuit.")
    ids = found(api(keys["staff"]), search="transport")
    assert ids == [world.approved_b.pk, world.approved_a.pk]
    assert page_found(client_for(cast.staff), search="transport") == ids


def test_filters_by_goal_action_member_region_and_period(texts, cast, api, keys):
    world = texts
    staff, page = api(keys["staff"]), client_for(cast.staff)
    ProgressUpdate.objects.filter(pk=world.submitted_b.pk).update(narrative="Plan de chaleur solaire")
    everything = {world.approved_a.pk, world.draft_b.pk, world.submitted_b.pk}
    assert set(found(staff, search="solaire")) == everything
    other_region = f.RegionFactory(slug="elsewhere", name="Elsewhere")
    cases = {
        "goal": (world.goal2.code, {world.submitted_b.pk}),
        "action": (world.action1.code, {world.approved_a.pk, world.draft_b.pk}),
        "member": ("member-a", {world.approved_a.pk}),
        "region": (other_region.slug, set()),
        "period": (world.period.code, {world.draft_b.pk, world.submitted_b.pk}),
    }
    for name, (value, expected) in cases.items():
        assert set(found(staff, search="solaire", **{name: value})) == expected, name
        assert set(page_found(page, search="solaire", **{name: value})) == expected, name


def test_bad_search_parameters_are_a_400_naming_them(texts, api, keys):
    staff = api(keys["staff"])
    response = staff.get(UPDATES + "?search=a&search=b")
    assert response.status_code == 400 and "search" in response.json()["field_errors"]
    response = staff.get(UPDATES, {"search": "x" * 201})
    assert response.status_code == 400 and "search" in response.json()["field_errors"]
    response = staff.get(UPDATES, {"search": "solaire", "language": "fr"})
    assert response.status_code == 400 and "language" in response.json()["field_errors"]  # no such parameter


def test_the_schema_documents_search_once(api, keys, cast):
    schema = api(keys["staff"]).get("/api/schema/", {"format": "json"}).json()
    parameters = schema["paths"]["/api/v1/updates/"]["get"]["parameters"]
    searches = [p for p in parameters if p["name"] == "search"]
    assert len(searches) == 1
    assert "reviewers' comments and evidence titles" in searches[0]["description"]


def test_the_search_page_shows_highlights_in_the_site_layout(texts, cast):
    client = client_for(cast.focal_a)
    response = client.get(reverse("search"), {"search": "populaires"})
    html = response.content.decode()
    assert "<mark>populaires</mark>" in html and "&lt; 5 % &amp; aides" in html and "<script>" not in html
    assert reverse("update-detail", args=[texts.approved_a.pk]) in html
    assert 'href="/search/"' in client.get(reverse("overview")).content.decode()  # in the navigation
    empty = client.get(reverse("search"))
    assert empty.status_code == 200 and empty.context["page"] is None
    none = client.get(reverse("search"), {"search": "zzzzzz"}).content.decode()
    assert "Nothing you can see matches" in none


def test_the_search_page_is_for_signed_in_users(db):
    response = Client().get(reverse("search"), {"search": "x"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_search_costs_the_same_queries_for_few_and_many_updates(texts, cast, api, keys):
    world = texts

    def counts():
        with CaptureQueriesContext(connection) as api_queries:
            assert api(keys["staff"]).get(UPDATES, {"search": "solaire"}).status_code == 200
        with CaptureQueriesContext(connection) as page_queries:
            assert client_for(cast.staff).get(reverse("search"), {"search": "solaire"}).status_code == 200
        return len(api_queries), len(page_queries)

    counts()  # first requests fill per-process caches
    few = counts()
    members = [f.MemberFactory(slug=f"sol-{i}") for i in range(15)]
    for i, member in enumerate(members):
        update = ProgressUpdate.objects.create(
            member=member, action=world.action2, period=world.closed_period, state="approved",
            first_submitted_at=world.approved_a.first_submitted_at, narrative=f"Toit solaire numéro {i}",
        )
        Evidence.objects.create(update=update, title=f"Photo solaire {i}", url="https://example.org/p")
    assert counts() == few


# --- PostgreSQL: languages, stems, accents -----------------------------------------------------


@postgresql
def test_french_words_find_french_narratives_whatever_their_form_and_accents(texts, api, keys):
    world = texts
    focal_a = api(keys["focal_a"])
    for words in ("énergies", "energie", "ENERGIE", "énergie solaire", '"énergie solaire"'):
        assert found(focal_a, search=words) == [world.approved_a.pk], words
    [row] = focal_a.get(UPDATES, {"search": "énergies"}).json()["results"]
    assert "<mark>énergie</mark>" in row["match"]["snippets"][0]["html"]
    assert found(focal_a, search="énergie -solaire") == []


@postgresql
def test_spanish_words_without_their_accents(texts, cast, api, keys):
    world = texts
    assert found(api(keys["read"]), search="economia") == [world.approved_b.pk]
    assert found(api(keys["read"]), search="cooperativa") == [world.approved_b.pk]
    assert found(api(keys["read"]), search="mobilite electrique") == [world.approved_b.pk]
    [update] = client_for(cast.focal_a).get(reverse("search"), {"search": "economia"}).context["page"]
    assert "<mark>economía</mark>" in update.search_match.snippets[0].html


@postgresql
@pytest.mark.parametrize("few_matches", [0.0, 1e12], ids=["reading the newest first", "finding every match first"])
def test_when_many_match_the_newest_are_ranked_and_the_filters_apply_first(
    texts, cast, api, keys, monkeypatch, few_matches
):
    from reporting import search

    world = texts
    monkeypatch.setattr(search, "RANKED_AT_MOST", 1)
    monkeypatch.setattr(search, "FEW_MATCHES", few_matches)  # both ways the planner's estimate chooses between
    staff = api(keys["staff"])
    assert world.draft_b.pk > world.approved_a.pk
    assert staff.get(UPDATES, {"search": "solaire"}).json()["count"] == 1
    assert found(staff, search="solaire") == [world.draft_b.pk]  # the newest of the two
    assert found(staff, search="solaire", period=world.closed_period.code) == [world.approved_a.pk]
    html = client_for(cast.staff).get(reverse("search"), {"search": "solaire"}).content.decode()
    assert "At least 1 updates found" in html


# --- SQLite: the substring fallback --------------------------------------------------------------


@sqlite
def test_sqlite_finds_every_word_as_typed_in_any_case(texts, api, keys):
    world = texts
    focal_a = api(keys["focal_a"])
    assert found(focal_a, search="SOLAIRE quartiers") == [world.approved_a.pk]
    assert found(focal_a, search="solaire nulle-part") == []
    [row] = focal_a.get(UPDATES, {"search": "énergie"}).json()["results"]
    assert "<mark>énergie</mark>" in row["match"]["snippets"][0]["html"]


def test_substring_snippets_escape_the_text_and_mark_every_match():
    text = "x " * 100 + "<i>Solar</i> roofs and more solar panels " + "y " * 100
    html = _substring_snippet(text, ["solar"])
    assert html.startswith("… ") and html.endswith(" …")
    assert "&lt;i&gt;<mark>Solar</mark>&lt;/i&gt;" in html and "more <mark>solar</mark> panels" in html
    assert _substring_snippet("nothing here", ["solar"]) is None


def test_an_update_saved_again_is_found_by_its_new_words(texts, cast, api, keys):
    from reporting import services

    world = texts
    assert found(api(keys["focal_a"]), search="pluviales") == []
    services.update_save(
        user=cast.focal_a, member=cast.member_a, action=world.action1, period=world.period,
        narrative="Gestion des eaux pluviales", status="on_track", expected_version=world.draft_a.version,
    )
    assert found(api(keys["focal_a"]), search="pluviales") == [world.draft_a.pk]
