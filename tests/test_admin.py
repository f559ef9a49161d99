import pytest
from django.core.management import call_command

from metroplan.testing import factories as f


@pytest.mark.django_db
def test_admin_lists_the_141_members_and_the_plan(client):
    call_command("load_plan")
    staff = f.StaffFactory(is_superuser=True)
    client.force_login(staff)
    response = client.get("/admin/members/member/")
    assert response.status_code == 200
    assert "141 members" in response.content.decode()
    response = client.get("/admin/actions/action/")
    assert "25 actions" in response.content.decode()
    dakar = f.MemberFactory._meta.model.objects.get(slug="dakar")
    member_page = client.get(f"/admin/members/member/{dakar.pk}/change/")
    body = member_page.content.decode()
    assert "Provenance" in body and "sourced" in body


@pytest.mark.django_db
@pytest.mark.parametrize(
    "model_url",
    [
        "actions/plan", "actions/goal", "actions/action", "actions/indicator", "actions/milestone",
        "actions/participation", "actions/sustainabledevelopmentgoal", "members/region", "members/member",
        "members/membership", "members/focalpoint", "members/apitoken", "reporting/reportingperiod",
        "reporting/periodreopening", "reporting/progressupdate", "reporting/indicatorvalue", "reporting/evidence",
        "reporting/report",
    ],
)
def test_every_model_has_an_admin(client, model_url):
    client.force_login(f.StaffFactory(is_superuser=True))
    assert client.get(f"/admin/{model_url}/").status_code == 200
