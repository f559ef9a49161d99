"""Members' time zones: derived from the member list's coordinates, kept when
the list is loaded again, corrected by staff through the API."""

from pathlib import Path

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from members.loading import members_load
from members.models import ApiToken, Member
from metroplan.testing import factories as f

MEMBERS_CSV = Path(settings.BASE_DIR) / "data" / "members.csv"


@pytest.mark.django_db
def test_the_member_list_loads_each_member_with_its_citys_zone():
    members_load(path=MEMBERS_CSV)
    zones = dict(Member.objects.values_list("slug", "time_zone"))
    assert zones["mexico-city"] == "America/Mexico_City"
    assert zones["montreal"] == "America/Toronto"  # Montréal keeps Toronto's clock (IANA has no Montreal zone)
    assert zones["seoul"] == "Asia/Seoul"
    assert zones["hanoi"] == "Asia/Ho_Chi_Minh"  # Vietnam's own zone, not Bangkok's with the same clock
    assert "UTC" not in zones.values()


@pytest.mark.django_db
def test_loading_the_list_again_keeps_a_zone_staff_corrected():
    members_load(path=MEMBERS_CSV)
    Member.objects.filter(slug="montreal").update(time_zone="America/Montreal")
    members_load(path=MEMBERS_CSV)
    assert Member.objects.get(slug="montreal").time_zone == "America/Montreal"


@pytest.fixture
def staff_api(db):
    _, key = f.make_token(f.StaffFactory(), scope=ApiToken.Scope.WRITE)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_staff_correct_a_zone_and_a_wrong_name_is_refused_naming_the_field(staff_api):
    member = f.MemberFactory(slug="seoul", time_zone="UTC")
    response = staff_api.patch("/api/v1/members/seoul/", {"time_zone": "Asia/Soeul", "version": 1}, format="json")
    assert response.status_code == 400
    assert "Asia/Soeul" in response.json()["field_errors"]["time_zone"][0]
    member.refresh_from_db()
    assert (member.time_zone, member.version) == ("UTC", 1)

    response = staff_api.patch("/api/v1/members/seoul/", {"time_zone": "Asia/Seoul", "version": 1}, format="json")
    assert response.status_code == 200, response.content
    assert staff_api.get("/api/v1/members/seoul/").json()["time_zone"] == "Asia/Seoul"


def test_a_new_member_without_a_zone_gets_the_zone_of_its_coordinates(staff_api):
    region = f.RegionFactory()
    response = staff_api.post("/api/v1/members/", {
        "slug": "montevideo", "name": "Intendencia de Montevideo", "country": "Uruguay", "country_code": "UY",
        "region": region.slug, "latitude": "-34.906", "longitude": "-56.191",
    }, format="json")
    assert response.status_code == 201, response.content
    assert Member.objects.get(slug="montevideo").time_zone == "America/Montevideo"
