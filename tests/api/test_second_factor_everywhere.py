"""Every route of the site, the admin's and the API's, for a staff session that
signed in with a password and no second factor: pages send it to set up its
authenticator app, the API refuses it (403, second_factor_required), and only
signing in and out, the second factor's own pages and the language switch
stay open. Routes come from the URL configuration, so a new page cannot be
forgotten (the walk of tests/api/test_every_url.py, with this one caller)."""

import pytest
from django.test import Client

from metroplan.second_factor import OPEN_URL_NAMES
from tests.access.walk import routes
from tests.api.test_every_url import data as walk_data  # noqa: F401 - the walk's data set, as a fixture
from tests.api.test_every_url import path_for

SETUP = "/accounts/2fa/totp/activate/"


def opens_without_second_factor(name: str) -> bool:
    return name in OPEN_URL_NAMES or name.startswith("mfa_")


@pytest.mark.django_db
def test_a_staff_session_without_a_second_factor_reaches_no_page_and_not_the_admin(walk_data, cast):  # noqa: F811
    world, values = walk_data
    client = Client()
    assert client.post("/accounts/login/", {"username": "staff", "password": "correct horse battery staple"}
                       ).status_code == 302
    checked, wrong = 0, []
    for route in routes():
        name = route.name.rpartition(":")[2]
        if opens_without_second_factor(name) or route.pattern == "api/^":
            continue
        path = path_for(route, values)
        response = client.get(path)
        checked += 1
        if path.startswith("/api/"):
            if response.status_code != 403 or response.json().get("code") != "second_factor_required":
                wrong.append(f"GET {path} [{route.name}]: {response.status_code}")
        elif response.status_code != 302 or not response["Location"].startswith(SETUP):
            wrong.append(f"GET {path} [{route.name}]: {response.status_code} {response.get('Location', '')}")
    assert checked > 150
    assert not wrong, "Reached without a second factor:\n" + "\n".join(wrong)


@pytest.mark.django_db
def test_a_focal_point_needs_no_second_factor(cast, world):
    client = Client()
    client.post("/accounts/login/", {"username": "focal-a", "password": "correct horse battery staple"})
    for path in ("/", "/updates/", "/members/", "/api/v1/plans/"):
        assert client.get(path).status_code == 200, path
