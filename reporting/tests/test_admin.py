"""The admin for those who run the site: the Secretariat keeps reference data
there, and reads (never changes) the review workflow's records."""

import pytest
from django.urls import reverse

from metroplan.testing import factories as f
from reporting.models import ProgressUpdate

from .conftest import make_update

pytestmark = pytest.mark.django_db


def test_a_secretariat_member_edits_a_region_in_the_admin(client, cast):
    region = f.RegionFactory(name="Africa", slug="africa")
    client.force_login(cast.staff)
    assert not cast.staff.is_superuser
    assert client.get(reverse("admin:index")).status_code == 200
    url = reverse("admin:members_region_change", args=[region.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"name": "Africa and Indian Ocean", "slug": "africa", "order": 3})
    assert response.status_code == 302
    region.refresh_from_db()
    assert region.name == "Africa and Indian Ocean"
    for name in ["members_member", "members_focalpoint", "reporting_reportingperiod"]:
        assert client.get(reverse(f"admin:{name}_add")).status_code == 200, name


def test_a_secretariat_member_reads_an_update_in_the_admin_but_cannot_change_add_or_delete_it(client, cast, world):
    update = make_update(world, cast.member_a, state="submitted", narrative="As submitted.")
    client.force_login(cast.staff)
    url = reverse("admin:reporting_progressupdate_change", args=[update.pk])
    page = client.get(url)
    assert page.status_code == 200
    body = page.content.decode()
    assert "As submitted." in body and 'name="_save"' not in body
    rewrite = {"narrative": "Rewritten behind the reviewer's back", "state": "approved"}
    assert client.post(url, rewrite).status_code == 403
    update.refresh_from_db()
    assert update.narrative == "As submitted." and update.state == "submitted"
    assert client.get(reverse("admin:reporting_progressupdate_add")).status_code == 403
    assert client.post(reverse("admin:reporting_progressupdate_delete", args=[update.pk]),
                       {"post": "yes"}).status_code == 403
    assert ProgressUpdate.objects.filter(pk=update.pk).exists()
    for name in ["reporting_indicatorvalue", "reporting_evidence", "reporting_report"]:
        assert client.get(reverse(f"admin:{name}_changelist")).status_code == 200, name
        assert client.get(reverse(f"admin:{name}_add")).status_code == 403, name


def test_a_superuser_keeps_every_right_on_workflow_records(client, cast, world):
    update = make_update(world, cast.member_a, state="submitted")
    admin = f.UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(admin)
    body = client.get(reverse("admin:reporting_progressupdate_change", args=[update.pk])).content.decode()
    assert 'name="_save"' in body
    assert client.get(reverse("admin:reporting_progressupdate_add")).status_code == 200
