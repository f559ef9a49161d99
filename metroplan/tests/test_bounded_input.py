"""Bounded input: bodies limited before parsing, NUL checked on parsed data
after authentication, integers and date-times kept within what the database
holds. Each answers with a clear error, never a 500 or HTML from the API."""

import pytest
from django.test import override_settings

from actions.models import Goal
from metroplan.testing import factories as f


def _auth(key):
    return {"HTTP_AUTHORIZATION": f"Token {key}"}


@pytest.mark.django_db
@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000)
def test_a_body_over_the_limit_is_a_413_before_it_is_read(client, cast):
    body = '{"narrative": "' + "x" * 2000 + '"}'
    response = client.post("/api/v1/updates/", body, content_type="application/json", **_auth(cast.write_key_a))
    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "too_large" and response.json()["field_errors"] == {}
    # The site answers with a page in its layout.
    client.force_login(cast.focal_a)
    response = client.post("/updates/", {"narrative": "x" * 2000})
    assert response.status_code == 413
    assert 'class="site-header"' in response.content.decode() and "too large" in response.content.decode()


@pytest.mark.django_db
@override_settings(REQUEST_MAX_UPLOAD_BYTES=5000)
def test_an_upload_over_the_limit_is_a_413(client, cast):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(cast.focal_a)
    response = client.post("/updates/", {"file": SimpleUploadedFile("big.pdf", b"%PDF" + b"0" * 10000)})
    assert response.status_code == 413


@pytest.mark.django_db
def test_deeply_nested_json_is_a_json_400(client, cast):
    body = "[" * 100_000 + "]" * 100_000
    response = client.post("/api/v1/updates/", body, content_type="application/json", **_auth(cast.write_key_a))
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


@pytest.mark.django_db
def test_an_anonymous_body_is_not_parsed_before_authentication(client, monkeypatch):
    import json

    def refuse(*args, **kwargs):
        raise AssertionError("the body was parsed for an anonymous client")

    monkeypatch.setattr(json, "loads", refuse)
    response = client.post("/api/v1/updates/", '{"narrative": "x\\u0000"}', content_type="application/json")
    assert response.status_code == 401


@pytest.mark.django_db
def test_creating_a_goal_without_order_after_the_highest_order_still_works(cast):
    from rest_framework.test import APIClient

    plan = f.PlanFactory()
    f.GoalFactory(plan=plan, code="1", order=32767)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {cast.write_key_staff}")
    for code in ("2", "3"):
        response = api.post("/api/v1/goals/", {"code": code, "title_en": f"Goal {code}"}, format="json")
        assert response.status_code == 201, response.content
        assert response.json()["order"] == 32767
    response = api.post("/api/v1/goals/", {"code": "4", "title_en": "Four", "order": 40000}, format="json")
    assert response.status_code == 400 and "order" in response.json()["field_errors"]
    assert not Goal.objects.filter(code="4").exists()


@pytest.mark.django_db
def test_a_service_refuses_an_integer_its_column_cannot_hold(cast):
    from actions.services import goal_create
    from metroplan.services import ValidationError

    plan = f.PlanFactory()
    with pytest.raises(ValidationError) as caught:
        goal_create(user=cast.staff, plan=plan, data={"code": "9", "title_en": "Nine", "order": 70000})
    assert "order" in caught.value.message_dict
    assert not Goal.objects.filter(code="9").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["2022-01-01T00:00:00+16:00", "2022-01-01T00:00:00-23:59",
                                   "0001-01-01T00:00:00+01:00"])
def test_a_datetime_filter_out_of_range_is_a_400_naming_it(client, cast, value):
    response = client.get("/api/v1/updates/", {"submitted_after": value}, **_auth(cast.read_key))
    assert response.status_code == 400, response.content
    assert list(response.json()["field_errors"]) == ["submitted_after"]


@pytest.mark.django_db
def test_a_datetime_filter_within_range_is_used(client, cast):
    response = client.get("/api/v1/updates/", {"submitted_after": "2022-01-01T00:00:00+15:59"},
                          **_auth(cast.read_key))
    assert response.status_code == 200, response.content
