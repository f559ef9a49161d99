"""With DEBUG off, 400, 403 and 404 are pages of the site: its layout and
navigation, the user's language, and a way back (they were Django's white
default pages)."""

import pytest
from django.test import override_settings
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.fixture
def production(settings):
    settings.DEBUG = False


@pytest.mark.parametrize(("language", "words"), [
    ("en", ["This page does not exist", "Go to the overview"]),
    ("fr", ["Cette page n'existe pas", "Aller à la vue d'ensemble"]),
    ("es", ["Esta página no existe", "Ir al panorama"]),
])
def test_a_missing_page_is_a_page_of_the_site(client, cast, production, language, words):
    client.force_login(cast.focal_a)
    response = client.get(reverse("goal-detail", args=["no-such-goal"]), HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 404
    html = response.content.decode().replace("&#x27;", "'")
    for text in words:
        assert text in html
    assert f'href="{reverse("overview")}"' in html and 'href="/members/"' in html  # the site's navigation


def test_a_refused_page_says_why_in_the_layout(client, cast, production):
    client.force_login(cast.focal_a)
    response = client.get(reverse("plan-import"), HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 403
    html = response.content.decode().replace("&#x27;", "'")
    assert "Vous ne pouvez pas ouvrir cette page" in html and "secrétariat" in html


@override_settings(ROOT_URLCONF="metroplan.tests.urls_bad_request")
def test_a_request_that_cannot_be_read_is_a_page_of_the_site(client, production):
    response = client.get("/bad/", HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 400
    assert "No se pudo leer esta solicitud" in response.content.decode()
