"""A deadline ends at midnight in the member's time zone (issue 13, part 5).

The period's deadline is 30 April 2022. Focal points in Mexico City, Montréal
and Seoul each submit at 23:30 on that day, their time: all three are on time.
At 00:30 on 1 May, their time, all three are late. The API's `timeliness`, the
compliance counts and the submit service agree.
"""

import html
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from members.models import ApiToken
from metroplan.testing import factories as f
from reporting import services
from reporting.figures import expected_slots, outcome_counts, update_timeliness
from reporting.models import PeriodReopening, ProgressUpdate

DEADLINE = date(2022, 4, 30)
ZONES = {"mexico-city": "America/Mexico_City", "montreal": "America/Toronto", "seoul": "Asia/Seoul"}


def local(zone: str, day: date, hour: int, minute: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZoneInfo(zone))


@pytest.fixture
def scene(db):
    plan = f.PlanFactory()
    period = f.ReportingPeriodFactory(plan=plan, code="2022-Q1", start=date(2022, 1, 1), end=date(2022, 3, 31))
    assert period.deadline == DEADLINE
    members = {slug: f.MemberFactory(slug=slug, time_zone=zone) for slug, zone in ZONES.items()}
    action = f.ActionFactory(goal=f.GoalFactory(plan=plan), members=list(members.values()))
    return {"period": period, "members": members, "action": action}


def submit_all_at(scene, hour: int, minute: int, day: date = DEADLINE) -> None:
    for slug, member in scene["members"].items():
        f.ProgressUpdateFactory(
            member=member, action=scene["action"], period=scene["period"], state=ProgressUpdate.State.SUBMITTED,
            first_submitted_at=local(ZONES[slug], day, hour, minute),
        )


def timeliness_by_member(scene) -> dict[str, str]:
    updates = update_timeliness(ProgressUpdate.objects.filter(period=scene["period"]), today=date(2022, 6, 1))
    return dict(updates.values_list("member__slug", "outcome"))


def api_timeliness(scene) -> dict[str, str]:
    _, key = f.make_token(f.StaffFactory(), scope=ApiToken.Scope.READ)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = client.get("/api/v1/updates/", {"period": scene["period"].code})
    assert response.status_code == 200
    return {row["member"]: row["timeliness"] for row in response.json()["results"]}


def compliance(scene) -> dict:
    return outcome_counts([scene["period"]], today=date(2022, 6, 1))[(scene["period"].pk,)]


def test_half_past_eleven_local_on_the_deadline_day_is_on_time_everywhere(scene):
    submit_all_at(scene, 23, 30)
    # In UTC these are 1 May 05:30 (Mexico City), 1 May 03:30 (Montréal) and 30 April 14:30 (Seoul).
    assert timeliness_by_member(scene) == dict.fromkeys(ZONES, "on_time")
    assert api_timeliness(scene) == dict.fromkeys(ZONES, "on_time")
    counts = compliance(scene)
    assert (counts["expected"], counts["on_time"], counts["late"], counts["rate"]) == (3, 3, 0, 1.0)


def test_half_past_midnight_the_next_local_day_is_late_everywhere(scene):
    submit_all_at(scene, 0, 30, day=DEADLINE + timedelta(days=1))
    # In UTC Seoul's is still 30 April (15:30): the member's day has ended all the same.
    assert timeliness_by_member(scene) == dict.fromkeys(ZONES, "late")
    assert api_timeliness(scene) == dict.fromkeys(ZONES, "late")
    counts = compliance(scene)
    assert (counts["on_time"], counts["late"], counts["rate"]) == (0, 3, 0.0)


def test_a_reopening_ends_at_midnight_in_the_members_zone(scene):
    until = date(2022, 5, 10)
    for member in scene["members"].values():
        PeriodReopening.objects.create(period=scene["period"], member=member, state="granted", reason="x",
                                       until=until)
    submit_all_at(scene, 23, 30, day=until)
    assert timeliness_by_member(scene) == dict.fromkeys(ZONES, "excused")
    ProgressUpdate.objects.all().delete()
    submit_all_at(scene, 0, 30, day=until + timedelta(days=1))
    assert timeliness_by_member(scene) == dict.fromkeys(ZONES, "late")


def test_correcting_a_members_zone_corrects_its_outcome(scene):
    submit_all_at(scene, 23, 30)
    seoul = scene["members"]["seoul"]
    seoul.time_zone = "UTC"  # 14:30 UTC on the deadline day: still on time
    seoul.save()
    mexico = scene["members"]["mexico-city"]
    mexico.time_zone = "UTC"  # 05:30 UTC the next day: late
    mexico.save()
    assert timeliness_by_member(scene) == {"mexico-city": "late", "montreal": "on_time", "seoul": "on_time"}


def test_an_unsent_update_is_due_until_midnight_where_the_member_is(scene, monkeypatch):
    # 1 May 02:00 UTC: 20:00 on 30 April in Mexico City, 22:00 in Montréal, 11:00 on 1 May in Seoul.
    moment = datetime(2022, 5, 1, 2, 0, tzinfo=ZoneInfo("UTC"))
    monkeypatch.setattr(timezone, "now", lambda: moment)
    outcomes = dict(expected_slots([scene["period"]]).values_list("member__slug", "outcome"))
    assert outcomes == {"mexico-city": "due", "montreal": "due", "seoul": "missing"}


def test_the_submit_service_at_half_past_eleven_in_mexico_city_is_on_time(scene, monkeypatch):
    member = scene["members"]["mexico-city"]
    focal = f.FocalPointFactory(member=member).user
    indicator = f.IndicatorFactory(action=scene["action"])
    update = f.ProgressUpdateFactory(member=member, action=scene["action"], period=scene["period"])
    f.IndicatorValueFactory(update=update, indicator=indicator)
    moment = local(ZONES["mexico-city"], DEADLINE, 23, 30)
    monkeypatch.setattr(timezone, "now", lambda: moment)
    services.update_submit(user=focal, update=update)
    assert timeliness_by_member(scene) == {"mexico-city": "on_time"}


def test_the_update_form_shows_the_deadline_on_the_members_clock(scene, client):
    member = scene["members"]["mexico-city"]
    client.force_login(f.FocalPointFactory(member=member).user)
    url = reverse("update-edit", args=[member.slug, scene["period"].code, scene["action"].code])
    assert "30 April 2022, 23:59 America/Mexico_City" in client.get(url).content.decode()
    french = client.get(url, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "30 avril 2022, 23 h 59 (America/Mexico_City)" in html.unescape(french).replace("\xa0", " ")
    home = client.get(reverse("updates")).content.decode()
    assert "30 April 2022, 23:59 America/Mexico_City" in home


def test_the_reminder_names_the_deadlines_zone(scene, mailoutbox, reminder_day):
    member = scene["members"]["seoul"]
    f.FocalPointFactory(member=member, user=f.UserFactory(email="focal@seoul.example"))
    reminder_day(date(2022, 4, 27))
    [message] = [m for m in mailoutbox if "focal@seoul.example" in m.to]
    assert "30 April 2022, 23:59 Asia/Seoul" in message.subject
    assert "30 April 2022, 23:59 Asia/Seoul" in message.body
