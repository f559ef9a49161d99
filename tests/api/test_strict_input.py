"""Strict input, in the API base for every endpoint: what the server cannot
honour is a 400 naming the parameter or field, never silently ignored (an empty
or unknown enum value, an unknown body field, a http:// link), and writes on
evidence compare If-Match like every other write; a weak ETag never matches."""

import pytest
from django.urls import reverse

from reporting.models import Evidence, ProgressUpdate


@pytest.mark.parametrize(
    "path, param",
    [
        ("/api/v1/updates/?state=", "state"),
        ("/api/v1/updates/?state=approved&state=", "state"),
        ("/api/v1/updates/?state=bogus", "state"),
        ("/api/v1/members/?confidence=", "confidence"),
        ("/api/v1/members/?confidence=certain", "confidence"),
        ("/api/v1/members/?region=", "region"),
        ("/api/v1/actions/?status=", "status"),
        ("/api/v1/reports/?kind=", "kind"),
        ("/api/v1/updates/?is_demo=", "is_demo"),
        ("/api/v1/updates/?format=", "format"),
        ("/api/v1/updates/?format=xml", "format"),
        ("/api/v1/updates/?format=json&format=csv", "format"),
        ("/api/v1/updates/?ordering=", "ordering"),
        ("/api/v1/updates/?ordering=modified,,state", "ordering"),
        ("/api/v1/updates/?ordering=%20modified", "ordering"),
        ("/api/v1/updates/?ordering=--modified", "ordering"),
        ("/api/v1/reports/?search=x", "search"),
    ],
)
def test_empty_or_unknown_values_are_400_naming_the_parameter(path, param, world, api, keys):
    response = api(keys["read"]).get(path)
    assert response.status_code == 400, response.content
    assert list(response.json()["field_errors"]) == [param]


def test_good_values_still_filter(world, api, keys):
    reader = api(keys["read"])
    assert reader.get("/api/v1/updates/?state=approved&ordering=-modified,state").status_code == 200
    assert reader.get("/api/v1/updates/?format=csv")["Content-Type"].startswith("text/csv")


def test_country_is_the_iso_code_and_a_name_is_refused_with_its_code(world, cast, api, keys):
    reader = api(keys["read"])
    by_code = reader.get("/api/v1/members/?country=es")
    assert by_code.status_code == 200 and by_code.json()["count"] == 2
    by_name = reader.get("/api/v1/members/?country=Spain")
    assert by_name.status_code == 400
    assert by_name.json()["field_errors"] == {"country": ["Give the country's ISO 3166 code: ES for Spain."]}
    unknown = reader.get("/api/v1/members/?country=Atlantis")
    assert unknown.status_code == 400 and "ISO 3166" in unknown.json()["field_errors"]["country"][0]


def test_a_patch_with_only_a_misspelt_field_is_400_and_changes_nothing(world, focal_api):
    url = f"/api/v1/updates/{world.draft_a.pk}/"
    etag = focal_api.get(url)["ETag"]
    response = focal_api.patch(url, {"narative": "Typo"}, format="json", HTTP_IF_MATCH=etag)
    assert response.status_code == 400
    errors = response.json()["field_errors"]
    assert list(errors) == ["narative"] and "narrative" in errors["narative"][0]
    world.draft_a.refresh_from_db()
    assert world.draft_a.version == 1 and world.draft_a.narrative == "Draft narrative of A"
    assert focal_api.get(url)["ETag"] == etag


def test_unknown_nested_fields_and_fields_of_other_operations_are_named(world, focal_api, staff_api):
    url = f"/api/v1/updates/{world.draft_a.pk}/"
    nested = focal_api.patch(
        url, {"values": [{"indicator": world.indicator1.pk, "valeu": "3"}], "version": 1}, format="json"
    )
    assert nested.status_code == 400 and list(nested.json()["field_errors"]) == ["values[0].valeu"]
    # A read-only field of the update's shape is not something a write takes.
    read_only = focal_api.patch(url, {"state": "approved", "version": 1}, format="json")
    assert read_only.status_code == 400 and list(read_only.json()["field_errors"]) == ["state"]
    created = staff_api.post("/api/v1/periods/", {"code": "2022-Q2", "start": "2022-04-01", "end": "2022-06-30",
                                                  "dealine": "2022-07-30"}, format="json")
    assert created.status_code == 400 and list(created.json()["field_errors"]) == ["dealine"]
    submitted = focal_api.post(url + "submit/", {"version": 1, "comment": "x"}, format="json")
    assert submitted.status_code == 400 and list(submitted.json()["field_errors"]) == ["comment"]
    deleted = staff_api.delete(f"/api/v1/goals/{world.goal2.code}/", {"versoin": 1}, format="json")
    assert deleted.status_code == 400 and list(deleted.json()["field_errors"]) == ["versoin"]
    world.draft_a.refresh_from_db()
    assert world.draft_a.version == 1 and world.draft_a.state == ProgressUpdate.State.DRAFT


def test_http_links_are_refused_naming_the_field(world, focal_api, cast, client):
    url = f"/api/v1/updates/{world.draft_a.pk}/evidence/"
    response = focal_api.post(url, {"url": "http://example.org/plan"}, format="json")
    assert response.status_code == 400
    assert "https://" in response.json()["field_errors"]["url"][0]
    assert focal_api.post(url, {"url": "https://example.org/plan"}, format="json").status_code == 201
    assert list(Evidence.objects.values_list("url", flat=True)) == ["https://example.org/plan"]


def test_evidence_writes_compare_if_match_and_version(world, focal_api):
    detail = f"/api/v1/updates/{world.draft_a.pk}/"
    url = detail + "evidence/"
    etag = focal_api.get(detail)["ETag"]
    added = focal_api.post(url, {"url": "https://example.org/a"}, format="json", HTTP_IF_MATCH=etag)
    assert added.status_code == 201
    new_etag = added["ETag"]
    assert new_etag != etag and new_etag == focal_api.get(detail)["ETag"]
    stale = focal_api.post(url, {"url": "https://example.org/b"}, format="json", HTTP_IF_MATCH=etag)
    assert stale.status_code == 412 and stale.json()["code"] == "precondition_failed"
    stale_version = focal_api.post(url, {"url": "https://example.org/b", "version": 1}, format="json")
    assert stale_version.status_code == 409
    evidence_id = added.json()["id"]
    removed_stale = focal_api.delete(f"{url}{evidence_id}/", HTTP_IF_MATCH=etag)
    assert removed_stale.status_code == 412
    assert Evidence.objects.filter(pk=evidence_id).exists()
    assert list(Evidence.objects.values_list("url", flat=True)) == ["https://example.org/a"]
    removed = focal_api.delete(f"{url}{evidence_id}/", HTTP_IF_MATCH=new_etag)
    assert removed.status_code == 204 and not Evidence.objects.exists()
    assert removed["ETag"] == focal_api.get(detail)["ETag"]


def test_a_weak_etag_never_matches_if_match(world, focal_api):
    url = f"/api/v1/updates/{world.draft_a.pk}/"
    etag = focal_api.get(url)["ETag"]
    weak = focal_api.patch(url, {"narrative": "Weak"}, format="json", HTTP_IF_MATCH=f"W/{etag}")
    assert weak.status_code == 412
    evidence = focal_api.post(url + "evidence/", {"url": "https://example.org/a"}, format="json",
                              HTTP_IF_MATCH=f"W/{etag}")
    assert evidence.status_code == 412
    world.draft_a.refresh_from_db()
    assert world.draft_a.narrative == "Draft narrative of A" and not Evidence.objects.exists()
    # If-None-Match compares weakly: the same tag, weak, is still "not modified".
    assert focal_api.get(url, HTTP_IF_NONE_MATCH=f"W/{etag}").status_code == 304


def test_the_browser_form_refuses_http_links_too(world, cast, client):
    """The rule is the service's: the update form says it on its link field."""
    client.force_login(cast.focal_a)
    url = reverse("update-edit", args=[cast.member_a.slug, world.period.code, world.action1.code])
    page = client.get(url)
    assert page.status_code == 200
    response = client.post(url, {
        "narrative": "Draft narrative of A", "version": 1, "evidence_url": "http://example.org/plan",
        "evidence_title": "Plan", "save": "1",
    })
    assert response.status_code in (200, 400)
    assert "https://" in response.content.decode()
    assert not Evidence.objects.exists()
