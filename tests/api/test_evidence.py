"""Evidence through the API: POST /api/v1/updates/{id}/evidence/ (a file as
multipart/form-data, or a link) and DELETE .../evidence/{evidence_id}/, by
whoever may edit the update (reporting.services.evidence_add / evidence_remove)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from reporting.models import Evidence


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def focal_api(api, keys):
    return api(keys["focal_a"])


def pdf(name="report.pdf", size=100):
    return SimpleUploadedFile(name, b"%PDF-1.4 " + b"x" * size, content_type="application/pdf")


def test_a_focal_point_attaches_a_file_to_its_own_draft(world, focal_api, media):
    url = f"/api/v1/updates/{world.draft_a.pk}/evidence/"
    response = focal_api.post(url, {"file": pdf(), "title": "Minutes"}, format="multipart")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["title"] == "Minutes" and body["url"] is None and body["file_name"] == "report.pdf"
    assert body["file"].endswith(f"/api/v1/updates/{world.draft_a.pk}/evidence/{body['id']}/file")
    evidence = Evidence.objects.get(pk=body["id"])
    assert evidence.update == world.draft_a and (media / evidence.file.name).exists()
    listed = focal_api.get(f"/api/v1/updates/{world.draft_a.pk}/").json()["evidence"]
    assert [item["id"] for item in listed] == [body["id"]]


def test_a_link_as_json(world, focal_api):
    url = f"/api/v1/updates/{world.draft_a.pk}/evidence/"
    response = focal_api.post(url, {"url": "https://example.org/plan", "title": "Plan"}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["url"] == "https://example.org/plan" and response.json()["file"] is None
    bad = focal_api.post(url, {"url": "javascript:alert(1)"}, format="json")
    assert bad.status_code == 400 and "url" in bad.json()["field_errors"]


def test_a_file_over_the_limit_is_400_and_stores_nothing(world, focal_api, settings, media):
    settings.EVIDENCE_MAX_BYTES = 50
    response = focal_api.post(f"/api/v1/updates/{world.draft_a.pk}/evidence/", {"file": pdf(size=200)},
                              format="multipart")
    assert response.status_code == 400
    assert "limit" in response.json()["field_errors"]["file"][0]
    assert not Evidence.objects.exists() and not any(media.rglob("*.pdf"))


def test_a_forbidden_type_is_400(world, focal_api):
    exe = SimpleUploadedFile("tool.exe", b"MZ" + b"x" * 10, content_type="application/octet-stream")
    response = focal_api.post(f"/api/v1/updates/{world.draft_a.pk}/evidence/", {"file": exe}, format="multipart")
    assert response.status_code == 400
    assert "exe" in response.json()["field_errors"]["file"][0]
    assert not Evidence.objects.exists()


def test_neither_or_both_is_400(world, focal_api):
    url = f"/api/v1/updates/{world.draft_a.pk}/evidence/"
    assert focal_api.post(url, {"title": "Nothing"}, format="multipart").status_code == 400
    both = focal_api.post(url, {"file": pdf(), "url": "https://example.org/"}, format="multipart")
    assert both.status_code == 400
    assert not Evidence.objects.exists()


def test_another_members_update_is_404_without_a_leak(world, focal_api):
    url = f"/api/v1/updates/{world.draft_b.pk}/evidence/"
    response = focal_api.post(url, {"file": pdf()}, format="multipart")
    assert response.status_code == 404
    assert response.json()["message"] == "Not found."
    assert focal_api.post("/api/v1/updates/999999/evidence/", {"file": pdf()}, format="multipart").json() == \
        response.json()
    assert not Evidence.objects.exists()


def test_an_approved_update_takes_no_evidence(world, focal_api, api, keys):
    response = focal_api.post(f"/api/v1/updates/{world.approved_a.pk}/evidence/", {"file": pdf()},
                              format="multipart")
    # The object's state refuses it, for everyone, with the service's own answer.
    assert response.status_code == 409 and response.json()["code"] == "approved"
    staff = api(keys["staff"]).post(f"/api/v1/updates/{world.approved_a.pk}/evidence/",
                                    {"url": "https://example.org/"}, format="json")
    assert staff.status_code == 409 and staff.json()["code"] == "approved"
    assert not Evidence.objects.exists()


def test_read_token_and_anonymous_cannot_add(world, api, keys):
    url = f"/api/v1/updates/{world.draft_a.pk}/evidence/"
    assert api(keys["focal_a_read"]).post(url, {"url": "https://example.org/"}, format="json").status_code == 403
    assert api().post(url, {"url": "https://example.org/"}, format="json").status_code == 401


def test_removing_evidence(world, focal_api, media, api, keys, django_capture_on_commit_callbacks):
    added = focal_api.post(f"/api/v1/updates/{world.draft_a.pk}/evidence/", {"file": pdf()}, format="multipart")
    evidence = Evidence.objects.get(pk=added.json()["id"])
    stored = media / evidence.file.name
    url = f"/api/v1/updates/{world.draft_a.pk}/evidence/{evidence.pk}/"
    # Another member's focal point cannot even see it.
    assert api(keys["focal_b"]).delete(url).status_code == 404
    assert stored.exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = focal_api.delete(url)
    assert response.status_code == 204
    assert not Evidence.objects.filter(pk=evidence.pk).exists()
    assert not stored.exists()  # the file goes once the removal is committed
    assert focal_api.delete(url).status_code == 404


def test_evidence_of_another_update_is_404_under_this_one(world, focal_api, api, keys):
    own = focal_api.post(f"/api/v1/updates/{world.draft_a.pk}/evidence/", {"url": "https://example.org/a"},
                         format="json").json()
    other = api(keys["focal_b"]).post(f"/api/v1/updates/{world.draft_b.pk}/evidence/",
                                      {"url": "https://example.org/b"}, format="json").json()
    response = focal_api.delete(f"/api/v1/updates/{world.draft_a.pk}/evidence/{other['id']}/")
    assert response.status_code == 404
    assert Evidence.objects.filter(pk__in=[own["id"], other["id"]]).count() == 2


def test_evidence_of_an_approved_update_cannot_be_removed(world, api, keys):
    from reporting.models import Evidence as EvidenceModel

    evidence = EvidenceModel.objects.create(update=world.approved_a, url="https://example.org/x")
    response = api(keys["focal_a"]).delete(f"/api/v1/updates/{world.approved_a.pk}/evidence/{evidence.pk}/")
    assert response.status_code == 409 and response.json()["code"] == "approved"
    assert EvidenceModel.objects.filter(pk=evidence.pk).exists()
