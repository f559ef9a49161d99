"""A client generated from /api/schema/ alone (openapi-python-client, offline)
works against the running site: it pages a list, reads a detail, downloads a
CSV, adds an evidence file and downloads it again, with no hand-written call."""

import csv
import importlib
import io
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from reporting.models import Evidence

GENERATOR = Path(sys.executable).with_name("openapi-python-client")


@pytest.fixture
def generated_client(live_server, tmp_path):
    """The package openapi-python-client writes from the live server's schema."""
    schema = httpx.get(f"{live_server.url}/api/schema/", params={"format": "json"}, timeout=30)
    assert schema.status_code == 200
    (tmp_path / "schema.json").write_bytes(schema.content)
    # No formatter hooks: the generated code is imported, not read.
    (tmp_path / "config.yaml").write_text("post_hooks: []\npackage_name_override: metroplan_client\n")
    result = subprocess.run(
        [
            str(GENERATOR), "generate", "--path", str(tmp_path / "schema.json"), "--config",
            str(tmp_path / "config.yaml"), "--meta", "none", "--output-path", str(tmp_path / "metroplan_client"),
        ],
        capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Warning" not in result.stdout + result.stderr, result.stdout + result.stderr
    sys.path.insert(0, str(tmp_path))
    try:
        yield importlib.import_module("metroplan_client")
    finally:
        sys.path.remove(str(tmp_path))
        for name in [name for name in sys.modules if name.startswith("metroplan_client")]:
            del sys.modules[name]


@pytest.mark.django_db(transaction=True)
def test_a_generated_client_does_the_integrators_work(generated_client, live_server, world, cast, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    from metroplan_client import AuthenticatedClient
    from metroplan_client.api.updates import (
        v1_updates_evidence_create,
        v1_updates_evidence_file_retrieve,
        v1_updates_list,
        v1_updates_list_csv,
        v1_updates_retrieve,
    )
    from metroplan_client.models import EvidenceUploadRequest, PaginatedUpdateList, Update
    from metroplan_client.types import File

    client = AuthenticatedClient(base_url=live_server.url, token=cast.write_key_a, prefix="Token")

    # Page one list.
    first = v1_updates_list.sync(client=client, page=1, page_size=2)
    assert isinstance(first, PaginatedUpdateList)
    # Focal point A sees the approved updates and its own draft, not B's draft nor B's submission.
    assert first.count == 3 and len(first.results) == 2 and first.next_
    second = v1_updates_list.sync(client=client, page=2, page_size=2)
    ids = [update.id for update in first.results + second.results]
    assert sorted(ids) == sorted([world.approved_a.pk, world.approved_b.pk, world.draft_a.pk])

    # Read one detail, with its ETag.
    detail = v1_updates_retrieve.sync_detailed(client=client, id=world.draft_a.pk)
    assert detail.status_code == 200 and isinstance(detail.parsed, Update)
    assert detail.parsed.narrative == "Draft narrative of A" and detail.parsed.member == "member-a"
    etag = detail.headers["ETag"]

    # Download one CSV.
    text = v1_updates_list_csv.sync(client=client)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert sorted(int(row["id"]) for row in rows) == sorted(ids)

    # Add one evidence file, then download it.
    upload = EvidenceUploadRequest(
        file=File(payload=io.BytesIO(b"%PDF-1.4 minutes"), file_name="Minutes.pdf", mime_type="application/pdf"),
        title="Minutes",
    )
    added = v1_updates_evidence_create.sync_detailed(client=client, id=world.draft_a.pk, body=upload, if_match=etag)
    assert added.status_code == 201, added.content
    evidence = added.parsed
    assert evidence.file_name == "Minutes.pdf" and evidence.title == "Minutes"
    assert Evidence.objects.get(pk=evidence.id).file_name == "Minutes.pdf"
    stale = v1_updates_evidence_create.sync_detailed(client=client, id=world.draft_a.pk, body=upload, if_match=etag)
    assert stale.status_code == 412 and stale.parsed.code == "precondition_failed"
    download = v1_updates_evidence_file_retrieve.sync_detailed(
        client=client, id=world.draft_a.pk, evidence_id=evidence.id
    )
    assert download.status_code == 200 and download.content == b"%PDF-1.4 minutes"
    assert 'filename="Minutes.pdf"' in download.headers["Content-Disposition"]
