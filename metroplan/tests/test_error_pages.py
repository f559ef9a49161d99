"""A database that cannot be reached is a 503 that says nothing was saved: a page
in the site's layout, JSON in the API's shape, never a bare "Server Error (500)"."""

from unittest import mock

import pytest
from django.db import OperationalError
from django.db.backends.base.base import BaseDatabaseWrapper

from members.authentication import ApiTokenAuthentication


def database_down():
    return mock.patch.object(
        BaseDatabaseWrapper, "_cursor", side_effect=OperationalError("connection refused: is the server running?")
    )


@pytest.mark.django_db
def test_a_page_while_the_database_is_away_is_a_503_in_the_layout(client, cast):
    client.force_login(cast.focal_a)
    client.raise_request_exception = False
    with database_down():
        response = client.get("/updates/")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    body = response.content.decode()
    assert 'class="site-header"' in body and 'id="database-unavailable"' in body
    assert "Nothing was saved" in body


@pytest.mark.django_db
def test_the_page_is_translated(client, cast):
    client.raise_request_exception = False
    with database_down():
        response = client.get("/members/", HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 503
    assert "Rien n'a été enregistré" in response.content.decode()


@pytest.mark.django_db
def test_an_api_request_while_the_database_is_away_is_a_json_503(client, cast):
    client.raise_request_exception = False
    with database_down():
        response = client.get("/api/v1/actions/", HTTP_AUTHORIZATION=f"Token {cast.read_key}")
    assert response.status_code == 503
    assert response.json()["code"] == "database_unavailable"
    assert response["Retry-After"] == "30"


@pytest.mark.django_db
def test_a_database_error_inside_an_api_view_is_the_same_json_503(client, cast):
    client.raise_request_exception = False
    with mock.patch.object(ApiTokenAuthentication, "authenticate", side_effect=OperationalError("server closed")):
        response = client.get("/api/v1/actions/", HTTP_AUTHORIZATION=f"Token {cast.read_key}")
    assert response.status_code == 503
    assert response.json() == {
        "code": "database_unavailable",
        "message": "The database is not answering, so nothing was changed. Try again in a minute.",
        "field_errors": {},
    }


@pytest.mark.django_db
def test_any_other_error_stays_a_500(client, cast):
    client.force_login(cast.focal_a)
    client.raise_request_exception = False
    with mock.patch("reporting.views.selectors.due_slots", side_effect=ValueError("a bug")):
        response = client.get("/updates/")
    assert response.status_code == 500
