"""A whole list as CSV is streamed, a chunk of rows at a time (constant memory),
and its bytes are those of the same rows rendered at once."""

import pytest

from metroplan.api.renderers import CSVRenderer
from metroplan.api.viewsets import ApiViewSet

pytestmark = pytest.mark.django_db

LISTS = ["plans", "goals", "actions", "indicators", "members", "regions", "periods", "updates", "reports"]


@pytest.mark.parametrize("chunk", [2, 500])
def test_a_streamed_csv_equals_the_list_rendered_at_once(world, api, keys, monkeypatch, chunk):
    from django.core.files.base import ContentFile

    from reporting.models import Evidence, Report

    monkeypatch.setattr(ApiViewSet, "CSV_CHUNK", chunk)  # chunks of 2 rows: every list spans several
    for day in ("2021-12-31", "2022-01-31", "2022-02-28"):
        Report.objects.create(plan=world.plan, kind="period", period=world.closed_period, as_of=day, state="done")
    # Evidence of both kinds (a file's link and name are read from its row, not from a FieldFile it was saved with)
    Evidence.objects.create(update=world.approved_a, title="A link", url="https://example.org/a")
    upload = Evidence(update=world.approved_a, title="", file_name="Plan d'action.pdf")
    upload.file.save("plan.pdf", ContentFile(b"%PDF-1.4"), save=True)
    Evidence.objects.create(update=world.approved_b, title="=SUM(A1)", url="https://example.org/b")
    client = api(keys["staff"])
    for name in LISTS:
        streamed = client.get(f"/api/v1/{name}.csv")
        assert streamed.status_code == 200, name
        assert streamed.streaming and streamed["Content-Type"].startswith("text/csv"), name
        assert streamed["Content-Disposition"].startswith("attachment"), name
        body = b"".join(streamed.streaming_content)
        rows = client.get(f"/api/v1/{name}/", {"page_size": 500}).json()["results"]
        assert body == CSVRenderer().render(rows), name
        assert rows and body.count(b"\r\n") >= len(rows) + 1, name
