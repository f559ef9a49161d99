"""Private files: evidence and report files are served only after the
visibility rule, the same way by the pages and the API (metroplan.files.serve_file),
with Content-Disposition, a strong ETag and byte ranges; no /media/ URL serves
anything, in DEBUG or not."""

import importlib
import re
import tracemalloc
from datetime import date

import pytest
from django.core.files.base import ContentFile
from django.test import override_settings
from django.urls import clear_url_caches, reverse

from members.models import ApiToken
from metroplan.testing import factories as f
from metroplan.testing.files import response_bytes as body
from reporting.models import Evidence, Report
from reporting.report_files import report_file
from reporting.report_services import report_build

PDF = b"%PDF-1.4 " + bytes(range(256)) * 4  # 1,033 bytes


def evidence_on(update, name="Minutes of the board.pdf", content=PDF):
    evidence = Evidence(update=update, title="Minutes", file_name=name)
    evidence.file.save(name, ContentFile(content), save=True)
    return evidence


def api_path(evidence):
    return f"/api/v1/updates/{evidence.update_id}/evidence/{evidence.pk}/file"


def page_path(evidence):
    return reverse("evidence-download", args=[evidence.pk])



@pytest.fixture
def files(world):
    draft = evidence_on(world.draft_a)
    approved = evidence_on(world.approved_a, name="Plan vert.pdf")
    return draft, approved


@pytest.fixture
def callers(cast, api, client):
    """Every role, through the API (token or session) and through the pages."""
    from django.test import Client

    def session(user):
        made = Client()
        made.force_login(user)
        return made

    _, read_key = f.make_token(cast.integrator, scope=ApiToken.Scope.READ)
    return {
        "owner": {"api": api(cast.write_key_a), "page": session(cast.focal_a)},
        "other_member": {"api": session(cast.focal_b), "page": session(cast.focal_b)},
        "staff": {"api": api(cast.write_key_staff), "page": session(cast.staff)},
        "read_token": {"api": api(read_key), "page": None},
        "anonymous": {"api": api(), "page": client},
    }


# Who gets a member's draft evidence, and an approved update's evidence.
DRAFT = {"owner": 200, "other_member": 404, "staff": 200, "read_token": 404, "anonymous": 401}
APPROVED = {"owner": 200, "other_member": 200, "staff": 200, "read_token": 200, "anonymous": 401}


@pytest.mark.parametrize("debug", [False, True])
def test_evidence_downloads_follow_the_visibility_rule_for_every_role(debug, files, callers, settings):
    settings.DEBUG = debug
    draft, approved = files
    for evidence, expected in ((draft, DRAFT), (approved, APPROVED)):
        for role, status in expected.items():
            response = callers[role]["api"].get(api_path(evidence))
            assert response.status_code == status, (role, evidence.file_name, debug)
            if status == 200:
                assert body(response) == PDF
                assert response["Content-Type"] == "application/pdf"
                assert response["Content-Disposition"].startswith("attachment;")
                assert evidence.file_name.replace(" ", "") in response["Content-Disposition"].replace(" ", "") or \
                    "filename*=utf-8''" in response["Content-Disposition"]
                assert re.fullmatch(r'"[0-9a-f]{32}"', response["ETag"])
            else:
                assert response.json()["code"] in ("not_found", "not_authenticated")
            page = callers[role]["page"]
            if page is None:
                continue
            answer = page.get(page_path(evidence))
            if role == "anonymous":
                assert answer.status_code == 302 and answer["Location"].startswith(reverse("login"))
            else:
                assert answer.status_code == status, (role, "page", debug)
                if status == 200:
                    assert body(answer) == PDF and answer["ETag"] == response["ETag"]


@pytest.mark.parametrize("debug", [False, True])
def test_no_media_url_answers_anything(debug, files, callers, settings):
    """The old public path and the new stored name alike: 404 for everyone,
    whatever DEBUG says when the URLs are loaded."""
    import metroplan.urls

    draft, _ = files
    settings.DEBUG = debug
    try:
        importlib.reload(metroplan.urls)
        clear_url_caches()
        paths = [f"/media/{draft.file.name}", "/media/evidence/member-a/2022-Q1/Minutes.pdf", "/media/"]
        for role, made in callers.items():
            for path in paths:
                for client in filter(None, made.values()):
                    response = client.get(path)
                    assert response.status_code in (302, 404), (role, path)
                    assert body(response) != PDF
                    if response.status_code == 302:
                        assert reverse("login") in response["Location"]
    finally:
        settings.DEBUG = False
        importlib.reload(metroplan.urls)
        clear_url_caches()


def test_stored_names_are_random_and_the_uploaded_name_is_kept(files, cast):
    draft, approved = files
    for evidence in files:
        assert re.fullmatch(r"evidence/[0-9a-f]{32}\.pdf", evidence.file.name)
        assert cast.member_a.slug not in evidence.file.name
    assert draft.download_name == "Minutes of the board.pdf"
    with pytest.raises(ValueError):
        draft.file.url  # a private file has no URL  # noqa: B018


def test_byte_ranges(files, callers):
    draft, _ = files
    owner = callers["owner"]["api"]
    size = len(PDF)
    first = owner.get(api_path(draft), HTTP_RANGE="bytes=0-3")
    assert first.status_code == 206 and body(first) == PDF[:4]
    assert first["Content-Range"] == f"bytes 0-3/{size}" and first["Content-Length"] == "4"
    assert first["Accept-Ranges"] == "bytes"
    last = owner.get(api_path(draft), HTTP_RANGE="bytes=-10")
    assert last.status_code == 206 and body(last) == PDF[-10:]
    rest = owner.get(api_path(draft), HTTP_RANGE="bytes=1000-")
    assert rest.status_code == 206 and body(rest) == PDF[1000:]
    assert rest["Content-Range"] == f"bytes 1000-{size - 1}/{size}"
    past_end = owner.get(api_path(draft), HTTP_RANGE=f"bytes={size}-")
    assert past_end.status_code == 416 and past_end["Content-Range"] == f"bytes */{size}"
    # Several ranges or a malformed one: the whole file.
    for header in ("bytes=0-1,5-6", "bytes=abc", "items=0-3", "bytes=5-2"):
        whole = owner.get(api_path(draft), HTTP_RANGE=header)
        assert whole.status_code == 200 and body(whole) == PDF, header
    # If-Range: the range only while the client's copy is the current one.
    etag = first["ETag"]
    assert owner.get(api_path(draft), HTTP_RANGE="bytes=0-3", HTTP_IF_RANGE=etag).status_code == 206
    stale = owner.get(api_path(draft), HTTP_RANGE="bytes=0-3", HTTP_IF_RANGE='"other"')
    assert stale.status_code == 200 and body(stale) == PDF
    # The page serves ranges the same way.
    page = callers["owner"]["page"].get(page_path(draft), HTTP_RANGE="bytes=4-7")
    assert page.status_code == 206 and body(page) == PDF[4:8]


def test_etag_and_if_none_match(files, callers):
    draft, _ = files
    owner = callers["owner"]["api"]
    etag = owner.get(api_path(draft))["ETag"]
    for header in (etag, f"W/{etag}", f'"x", {etag}', "*"):
        cached = owner.get(api_path(draft), HTTP_IF_NONE_MATCH=header)
        assert cached.status_code == 304 and cached["ETag"] == etag and cached.content == b""
    assert owner.get(api_path(draft), HTTP_IF_NONE_MATCH='"older"').status_code == 200
    # Another file has another ETag; the check comes after the visibility rule.
    other = evidence_on(draft.update, name="b.pdf")
    assert owner.get(api_path(other))["ETag"] != etag
    assert callers["other_member"]["api"].get(api_path(draft), HTTP_IF_NONE_MATCH=etag).status_code == 404


def test_head_answers_the_headers_without_the_bytes(files, callers):
    draft, _ = files
    response = callers["owner"]["api"].head(api_path(draft))
    assert response.status_code == 200 and response["Content-Length"] == str(len(PDF)) and body(response) == b""


@pytest.mark.parametrize("debug", [False, True])
def test_x_accel_redirect_hands_the_bytes_to_nginx(debug, files, callers, settings):
    settings.DEBUG = debug
    settings.PRIVATE_FILES_DELIVERY = "accel"
    settings.PRIVATE_FILES_ACCEL_PREFIX = "/_private/"
    draft, _ = files
    for made in (callers["owner"]["api"], callers["owner"]["page"]):
        response = made.get(page_path(draft) if made is callers["owner"]["page"] else api_path(draft))
        assert response.status_code == 200
        assert response["X-Accel-Redirect"] == f"/_private/{draft.file.name}"
        assert body(response) == b""
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"].startswith("attachment;") and response["ETag"]
    # Outsiders never get the header.
    refused = callers["other_member"]["api"].get(api_path(draft))
    assert refused.status_code == 404 and "X-Accel-Redirect" not in refused
    assert callers["anonymous"]["api"].get(api_path(draft)).status_code == 401


def test_on_object_storage_a_download_redirects_to_a_short_lived_signed_url(files, callers, settings):
    """With S3 (django-storages), a permitted download is a 302 to a URL signed
    for PRIVATE_FILES_URL_EXPIRY seconds (made locally: no request to S3)."""
    draft, _ = files
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": "metroplan-private", "endpoint_url": "http://127.0.0.1:9", "region_name": "eu-west-1",
                "access_key": "test-key", "secret_key": "test-secret", "querystring_auth": True,
                "querystring_expire": 60, "default_acl": "private", "file_overwrite": False,
                "signature_version": "s3v4",
            },
        },
    }
    settings.PRIVATE_FILES_DELIVERY = "redirect"
    settings.PRIVATE_FILES_URL_EXPIRY = 60
    draft = Evidence.objects.get(pk=draft.pk)  # its file field now reads the S3 storage
    response = callers["owner"]["api"].get(api_path(draft))
    assert response.status_code == 302
    location = response["Location"]
    assert location.startswith(f"http://127.0.0.1:9/metroplan-private/{draft.file.name}?")
    assert "X-Amz-Expires=60" in location and "X-Amz-Signature=" in location
    assert "response-content-disposition=attachment" in location
    assert callers["other_member"]["api"].get(api_path(draft)).status_code == 404


def test_a_download_streams_in_constant_memory(world, callers, settings):
    big = evidence_on(world.draft_a, name="big.pdf", content=b"x" * (8 * 1024 * 1024))
    response = callers["owner"]["api"].get(api_path(big))
    tracemalloc.start()
    try:
        total = sum(len(chunk) for chunk in response.streaming_content)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert total == 8 * 1024 * 1024
    assert peak < 1024 * 1024, f"peak {peak} bytes while streaming 8 MB"


def test_a_link_or_a_missing_file_is_404_never_500(world, files, callers):
    link = Evidence.objects.create(update=world.draft_a, url="https://example.org/a")
    response = callers["owner"]["api"].get(api_path(link))
    assert response.status_code == 404 and "link" in response.json()["message"]
    draft, _ = files
    draft.file.storage.delete(draft.file.name)
    assert callers["owner"]["api"].get(api_path(draft)).status_code == 404
    assert callers["owner"]["page"].get(page_path(draft)).status_code == 404
    # An evidence id of another update is not found through this one.
    _, approved = files
    wrong = f"/api/v1/updates/{world.draft_a.pk}/evidence/{approved.pk}/file"
    assert callers["owner"]["api"].get(wrong).status_code == 404


def test_a_file_download_takes_no_format_and_answers_any_accept(files, callers):
    draft, _ = files
    owner = callers["owner"]["api"]
    assert owner.get(api_path(draft), HTTP_ACCEPT="application/pdf").status_code == 200
    refused = owner.get(api_path(draft) + "?format=json")
    assert refused.status_code == 400 and "format" in refused.json()["field_errors"]
    # Errors stay JSON whatever was accepted.
    missing = owner.get(f"/api/v1/updates/{draft.update_id}/evidence/999999/file", HTTP_ACCEPT="application/pdf")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"


# Reports -------------------------------------------------------------------------------------------


@pytest.fixture
def built_report(world):
    """A report built as the worker builds it (snapshot, then its renderings)."""
    report = Report.objects.create(
        plan=world.plan, kind="on_demand", period=world.period, as_of=date(2022, 3, 31), state=Report.State.QUEUED,
    )
    report_build(report_id=report.pk)
    report.refresh_from_db()
    assert report.state == Report.State.DONE
    return report


def rendered(report, fmt, language="en") -> bytes:
    with report_file(report, fmt, language).file.open("rb") as handle:
        return handle.read()


def report_path(report, fmt):
    return f"/api/v1/reports/{report.pk}/files/{fmt}"


@pytest.mark.parametrize("debug", [False, True])
def test_report_files_for_every_role(debug, built_report, callers, settings):
    settings.DEBUG = debug
    stem = f"report-{built_report.plan.code}-on_demand-{built_report.period.code}-2022-03-31-{built_report.pk}-en"
    formats = (("pdf", "application/pdf"), ("pptx", "presentationml"), ("xlsx", "spreadsheetml"), ("csv", "text/csv"))
    for role in ("owner", "other_member", "staff", "read_token"):
        for fmt, content_type in formats:
            response = callers[role]["api"].get(report_path(built_report, fmt), HTTP_ACCEPT_LANGUAGE="en")
            assert response.status_code == 200, (role, fmt)
            assert content_type in response["Content-Type"]
            assert response["Content-Disposition"] == f'attachment; filename="{stem}.{fmt}"'
            assert body(response) == rendered(built_report, fmt)
        html = callers[role]["api"].get(report_path(built_report, "html"), HTTP_ACCEPT_LANGUAGE="en")
        assert html.status_code == 200 and html["Content-Disposition"].startswith("inline;")
        assert b"Executive summary" in body(html)
    assert callers["anonymous"]["api"].get(report_path(built_report, "pdf")).status_code == 401
    # The page and the API serve the same bytes under the same ETag.
    page = callers["owner"]["page"].get(reverse("report-download", args=[built_report.pk, "pdf"]))
    api = callers["owner"]["api"].get(report_path(built_report, "pdf"))
    assert body(page) == body(api) and page["ETag"] == api["ETag"]
    ranged = callers["owner"]["api"].get(report_path(built_report, "pdf"), HTTP_RANGE="bytes=0-3")
    assert ranged.status_code == 206 and body(ranged) == b"%PDF"


def test_report_files_of_unfinished_or_hidden_reports_are_404(world, built_report, callers):
    queued = Report.objects.create(
        plan=world.plan, kind="period", period=world.period, as_of=date(2022, 4, 30), state=Report.State.QUEUED
    )
    assert callers["owner"]["api"].get(report_path(queued, "pdf")).status_code == 404  # not visible until done
    assert callers["staff"]["api"].get(report_path(queued, "pdf")).status_code == 404  # no file yet
    assert callers["owner"]["api"].get(report_path(built_report, "exe")).json()["message"].startswith("Reports come")


def test_report_files_by_language(built_report, callers, settings):
    owner = callers["owner"]["api"]
    english = owner.get(report_path(built_report, "html") + "?lang=en")
    french = owner.get(report_path(built_report, "html") + "?lang=fr")
    assert english.status_code == french.status_code == 200
    assert b"Executive summary" in body(english) and "Synthèse".encode() in body(french)
    assert french["Content-Disposition"].endswith('-fr.html"')
    # Without ?lang=, the request's language.
    spanish = owner.get(report_path(built_report, "pdf"), HTTP_ACCEPT_LANGUAGE="es")
    assert spanish.status_code == 200 and spanish["Content-Disposition"].endswith('-es.pdf"')
    unknown = owner.get(report_path(built_report, "pdf") + "?lang=xx")
    assert unknown.status_code == 400 and "lang" in unknown.json()["field_errors"]
    assert owner.get(report_path(built_report, "pdf") + "?page=1").status_code == 400


def test_report_api_links_to_its_checked_files(built_report, callers):
    listed = callers["read_token"]["api"].get("/api/v1/reports/").json()["results"][0]["files"]
    assert listed == {
        fmt: f"http://testserver/api/v1/reports/{built_report.pk}/files/{fmt}"
        for fmt in ("html", "pdf", "pptx", "xlsx", "csv")
    }


@override_settings(PRIVATE_FILES_DELIVERY="accel")
def test_report_renderings_are_handed_to_nginx_in_accel_mode(built_report, callers):
    """Every rendering, the HTML page included, is a stored file: nginx serves its bytes."""
    for fmt in ("html", "pdf"):
        response = callers["owner"]["api"].get(report_path(built_report, fmt) + "?lang=en")
        stored = report_file(built_report, fmt, "en").file.name
        assert response.status_code == 200 and response["X-Accel-Redirect"] == f"/_private/{stored}"
        assert body(response) == b""
