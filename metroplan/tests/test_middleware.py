import pytest

from metroplan.testing import factories as f


@pytest.mark.django_db
def test_nul_in_an_api_body_or_filter_is_a_clear_400(client, cast):
    auth = {"HTTP_AUTHORIZATION": f"Token {cast.write_key_staff}"}
    response = client.post("/api/v1/updates/", {"plan": "x\x00y", "member": "a"}, content_type="application/json",
                           **auth)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid" and "NUL" in response.json()["message"]
    response = client.get("/api/v1/updates/", {"member": "a\x00"}, **auth)
    assert response.status_code == 400


@pytest.mark.django_db
def test_nul_in_a_form_is_refused_and_clean_input_passes(client):
    response = client.post("/accounts/login/", {"username": "bad\x00name", "password": "x"})
    assert response.status_code == 400
    f.UserFactory(username="plain")
    response = client.post("/accounts/login/", {"username": "plain", "password": f.PASSWORD})
    assert response.status_code == 302
