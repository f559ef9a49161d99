"""The open-data package (GET /api/v1/export/): built in the background, a zip
of CSVs of the public data and a datapackage.json that validates as a
Frictionless Data Package, with CSVs equal to the API's."""

import io
import json
import os
import zipfile
from urllib.parse import urlsplit

import frictionless
import pytest
from django.conf import settings
from django.db import connection
from django.test import override_settings

from metroplan.models import OutboxMessage
from reporting import open_data
from reporting.models import OpenDataPackage
from reporting.open_data import RESOURCES, package_build

# The child process opens a connection of its own: SQLite's in-memory test
# database is seen by no other connection (there the build reads in turn).
other_process_sees_the_database = pytest.mark.skipif(
    connection.vendor == "sqlite", reason="the in-memory SQLite test database is this process's only (CI: PostgreSQL)"
)


def site_csv(client, name: str) -> bytes:
    """GET <SITE_URL>/api/v1/<name>/?format=csv (the package's links are the site's)."""
    site = urlsplit(settings.SITE_URL)
    response = client.get(f"/api/v1/{name}/", {"format": "csv"}, HTTP_HOST=site.netloc, secure=site.scheme == "https")
    return b"".join(response.streaming_content)


def build_pending():
    for message in OutboxMessage.objects.filter(task="reporting.tasks.build_open_data", state="pending"):
        package_build(package_id=message.kwargs["package_id"])
        OutboxMessage.objects.filter(pk=message.pk).update(state="done")


def download(client):
    first = client.get("/api/v1/export/")
    assert first.status_code == 202, first.content[:300]
    assert first.json()["state"] == "queued" and int(first["Retry-After"]) > 0
    # Asking again while it waits queues nothing more.
    assert client.get("/api/v1/export/").status_code == 202
    assert OutboxMessage.objects.filter(task="reporting.tasks.build_open_data").count() == 1
    build_pending()
    response = client.get("/api/v1/export/")
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "application/zip"
    assert "attachment" in response["Content-Disposition"]
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


@pytest.fixture
def reader_api(api, keys):
    return api(keys["read"])


def test_the_package_validates_and_its_csvs_are_the_apis(world, reader_api, tmp_path):
    archive = download(reader_api)
    assert set(archive.namelist()) == {"datapackage.json", *[f"{name}.csv" for name in RESOURCES]}
    archive.extractall(tmp_path)
    report = frictionless.validate(str(tmp_path / "datapackage.json"))
    assert report.valid, report.flatten(["resourceName", "rowNumber", "fieldName", "type", "note"])[:20]
    descriptor = json.loads((tmp_path / "datapackage.json").read_text())
    for resource in descriptor["resources"]:
        header = (tmp_path / resource["path"]).read_text().splitlines()[0].split(",")
        assert [field["name"] for field in resource["schema"]["fields"]] == header
    for name in RESOURCES:
        api_csv = site_csv(reader_api, name)
        assert (tmp_path / f"{name}.csv").read_bytes() == api_csv, name


@other_process_sees_the_database
@pytest.mark.django_db(transaction=True)
def test_the_workers_build_reads_the_updates_beside_the_others_and_gives_the_apis(world, reader_api, monkeypatch):
    """Outside a transaction (the worker's build) the updates' CSV is read by
    the build's process while a child process, on its own connection, reads
    the others; the package holds the API's bytes."""
    here = os.getpid()
    readers = {}
    api_csv = open_data.api_csv

    def noting_the_process(resource):
        readers[resource] = os.getpid()
        return api_csv(resource)

    monkeypatch.setattr(open_data, "api_csv", noting_the_process)
    archive = zipfile.ZipFile(io.BytesIO(open_data.package_zip()))
    # what the child noted stayed in the child: only the updates were read here
    assert readers == {"updates": here}
    for name in RESOURCES:
        expected = site_csv(reader_api, name)
        assert archive.read(f"{name}.csv") == expected, name
    assert "Approved narrative of A" in archive.read("updates.csv").decode()
    assert json.loads(archive.read("datapackage.json"))["resources"][0]["schema"]["fields"]


@other_process_sees_the_database
@pytest.mark.django_db(transaction=True)
def test_a_failure_in_the_child_fails_the_build_with_its_reason(world, monkeypatch):
    def broken(resource):
        if resource == "members":
            raise ValueError("the members' CSV broke")
        return [b"id\r\n"]

    monkeypatch.setattr(open_data, "api_csv", broken)
    with pytest.raises(RuntimeError, match="the members' CSV broke"):
        open_data.package_zip()


@other_process_sees_the_database
@pytest.mark.django_db(transaction=True)
def test_a_child_that_dies_without_a_word_fails_the_build_even_when_reaped_elsewhere(world, monkeypatch):
    """A child killed (out of memory, say) leaves no mark; when a SIGCHLD
    handler has reaped it, the build must not wait for the mark for ever."""
    reap = os.waitpid

    def reaped_by_someone_else(pid, options):
        reap(pid, options)
        raise ChildProcessError

    monkeypatch.setattr(open_data, "_write_others", lambda resources, directory: os._exit(9))
    monkeypatch.setattr(open_data.os, "waitpid", reaped_by_someone_else)
    with pytest.raises(RuntimeError, match="ended without a word"):
        open_data.package_zip()


@override_settings(ALLOWED_HOSTS=["metroplan.example"], SITE_URL="https://metroplan.example")
def test_the_package_builds_where_only_the_site_is_a_host_and_links_to_the_site(world):
    """The build asks the API as the site: a host the site allows (not the
    test client's), its links the site's own."""
    archive = zipfile.ZipFile(io.BytesIO(open_data.package_zip()))
    assert "https://metroplan.example/api/v1/actions/" in archive.read("actions.csv").decode()
    assert not any(b"testserver" in archive.read(name) for name in archive.namelist())


def test_only_public_data_is_in_it(world, reader_api, tmp_path):
    download(reader_api).extractall(tmp_path)
    updates = (tmp_path / "updates.csv").read_text()
    assert "Approved narrative of A" in updates
    assert "Draft narrative of A" not in updates and "Secret draft of B" not in updates
    assert "Submitted narrative of B" not in updates


def test_the_package_is_kept_until_the_data_changes(world, reader_api, staff_api):
    download(reader_api)
    assert reader_api.get("/api/v1/export/").status_code == 200  # the same data: the same package
    assert OpenDataPackage.objects.count() == 1
    goal = staff_api.get("/api/v1/goals/2/")
    staff_api.patch("/api/v1/goals/2/", {"title_en": "Climate action"}, format="json", HTTP_IF_MATCH=goal["ETag"])
    assert reader_api.get("/api/v1/export/").status_code == 202
    build_pending()
    archive = zipfile.ZipFile(io.BytesIO(b"".join(reader_api.get("/api/v1/export/").streaming_content)))
    assert "Climate action" in archive.read("goals.csv").decode()


def test_anonymous_is_401(world, api):
    assert api().get("/api/v1/export/").status_code == 401


def test_staff_page_shows_the_package(world, client, cast):
    client.force_login(cast.staff)
    page = client.get("/open-data/")
    assert page.status_code == 200 and b"/api/v1/export/" in page.content
    client.force_login(cast.focal_a)
    assert client.get("/open-data/").status_code == 404
