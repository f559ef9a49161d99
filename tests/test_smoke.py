import pytest
from django.urls import reverse


@pytest.mark.django_db
def test_healthz_reports_database_ok(client, cast):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200 and response.json() == {"status": "ok"}
    client.force_login(cast.staff)  # staff see each check
    assert client.get(reverse("healthz")).json()["checks"]["database"] == "ok"
