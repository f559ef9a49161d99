"""Each user reads the site in their own language: chosen at the first sign-in
(the browser's), changed with the language switch, used on every page."""

import pytest
from django.test import Client

from members.languages import user_language, user_language_set
from members.models import UserProfile
from metroplan.testing import factories as f

pytestmark = pytest.mark.django_db


def test_the_stored_language_is_used_on_pages_without_accept_language(client, cast):
    user_language_set(user=cast.focal_a, language="es")
    client.force_login(cast.focal_a)
    page = client.get("/updates/")
    assert page.status_code == 200
    assert page["Content-Language"] == "es"
    assert "Cerrar sesión" in page.content.decode()


def test_the_stored_language_wins_over_the_browsers(client, cast):
    user_language_set(user=cast.focal_a, language="fr")
    client.force_login(cast.focal_a)
    page = client.get("/updates/", HTTP_ACCEPT_LANGUAGE="es")
    assert "Se déconnecter" in page.content.decode()


def test_changing_the_language_in_the_switch_stores_it(client, cast):
    client.force_login(cast.focal_a)
    answer = client.post("/i18n/setlang/", {"language": "fr", "next": "/updates/"})
    assert answer.status_code == 302 and answer["Location"] == "/updates/"
    assert user_language(cast.focal_a) == "fr"
    other_browser = Client()  # no language cookie: the choice follows the user
    other_browser.force_login(cast.focal_a)
    assert "Se déconnecter" in other_browser.get("/updates/").content.decode()


def test_the_switch_stores_nothing_for_an_unknown_language_or_an_anonymous_visitor(client, cast):
    client.post("/i18n/setlang/", {"language": "fr"})
    assert not UserProfile.objects.exists()
    client.force_login(cast.focal_a)
    client.post("/i18n/setlang/", {"language": "de"})
    assert user_language(cast.focal_a) == "en"


def test_the_first_sign_in_stores_the_browsers_language_and_later_ones_keep_it(client):
    user = f.UserFactory(username="newcomer")
    answer = client.post("/accounts/login/", {"username": "newcomer", "password": f.PASSWORD},
                         HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9")
    assert answer.status_code == 302
    assert user_language(user) == "fr"
    client.logout()
    client.post("/accounts/login/", {"username": "newcomer", "password": f.PASSWORD}, HTTP_ACCEPT_LANGUAGE="es")
    assert user_language(user) == "fr"
