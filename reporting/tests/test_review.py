"""The secretariat's review queue: filters, waiting time, approve, return with
a required comment, bulk approve, reopening requests."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from metroplan.testing import factories as f
from reporting.models import PeriodReopening, ProgressUpdate

from .conftest import make_update

pytestmark = pytest.mark.django_db


def queue(client, **params):
    return client.get(reverse("update-review-queue"), params)


def test_queue_lists_submitted_updates_oldest_first_with_their_wait(client, cast, world):
    now = timezone.now()
    newer = make_update(world, cast.member_a, state="submitted", submitted_at=now - timedelta(days=2))
    older = make_update(world, cast.member_b, state="submitted", submitted_at=now - timedelta(days=9))
    make_update(world, cast.member_a, state="draft", period=world.previous)
    client.force_login(cast.staff)
    response = queue(client)
    assert [u.pk for u in response.context["page"]] == [older.pk, newer.pk]
    body = response.content.decode()
    assert "1\xa0week, 2\xa0days" in body and "2\xa0days" in body


@pytest.mark.parametrize("param,value,expected", [
    ("region", "a", ["member-a"]), ("goal", "1", ["member-a", "member-b"]), ("action", "1.2", ["member-a"]),
    ("period", "2022-Q1", ["member-b"]),
])
def test_queue_filters(client, cast, world, param, value, expected):
    cast.member_a.region = f.RegionFactory(slug="a", name="A")
    cast.member_a.save()
    make_update(world, cast.member_a, state="submitted", action=world.other_action, complete=False)
    make_update(world, cast.member_b, state="submitted", period=world.previous)
    client.force_login(cast.staff)
    members = sorted(u.member.slug for u in queue(client, **{param: value}).context["page"])
    assert members == expected


def test_queue_query_count_does_not_grow_with_rows(client, cast, world):
    make_update(world, cast.member_a, state="submitted")
    PeriodReopening.objects.create(period=world.closed, member=cast.member_a, reason="r", requested_by=cast.focal_a)
    client.force_login(cast.staff)
    queue(client)
    with CaptureQueriesContext(connection) as few:
        queue(client)
    for n in range(8):
        member = f.MemberFactory(region=f.RegionFactory(slug=f"r{n}"))
        make_update(world, member, state="submitted", period=world.previous)
        PeriodReopening.objects.create(period=world.closed, member=member, reason="r", requested_by=cast.focal_a)
    with CaptureQueriesContext(connection) as many:
        response = queue(client)
    assert len(response.context["page"]) == 9
    assert len(many) == len(few)


def test_return_needs_a_comment_and_keeps_the_page(client, cast, world):
    update = make_update(world, cast.member_a, state="submitted")
    client.force_login(cast.staff)
    response = client.post(reverse("update-return", args=[update.pk]), {"version": update.version, "comment": ""})
    assert response.status_code == 400
    assert "a comment is required" in response.content.decode()
    update.refresh_from_db()
    assert update.state == "submitted"
    response = client.post(reverse("update-return", args=[update.pk]),
                           {"version": update.version, "comment": "Add the budget."})
    assert response.status_code == 302
    update.refresh_from_db()
    assert (update.state, update.reviewer_comment, update.reviewed_by) == ("returned", "Add the budget.", cast.staff)


def test_approve_from_the_detail_page(client, cast, world):
    update = make_update(world, cast.member_a, state="submitted")
    client.force_login(cast.staff)
    assert "Return with comment" in client.get(reverse("update-detail", args=[update.pk])).content.decode()
    client.post(reverse("update-approve", args=[update.pk]), {"version": update.version})
    update.refresh_from_db()
    assert update.state == "approved" and update.reviewed_by == cast.staff


def test_approving_a_stale_version_is_refused_with_a_message(client, cast, world):
    update = make_update(world, cast.member_a, state="submitted")
    client.force_login(cast.staff)
    response = client.post(reverse("update-approve", args=[update.pk]), {"version": update.version + 1}, follow=True)
    assert "Someone else saved" in response.content.decode()
    update.refresh_from_db()
    assert update.state == "submitted"


def test_bulk_approve(client, cast, world):
    first = make_update(world, cast.member_a, state="submitted")
    second = make_update(world, cast.member_b, state="submitted")
    client.force_login(cast.staff)
    response = client.post(reverse("update-bulk-approve"), {
        "update": [f"{first.pk}:{first.version}", f"{second.pk}:{second.version + 1}"],
    }, follow=True)
    body = response.content.decode()
    assert "Approved 1 updates." in body and f"Update #{second.pk} was not approved" in body
    assert ProgressUpdate.objects.get(pk=first.pk).state == "approved"
    assert ProgressUpdate.objects.get(pk=second.pk).state == "submitted"


def test_reopening_requests_are_granted_for_a_number_of_days(client, cast, world):
    reopening = PeriodReopening.objects.create(period=world.closed, member=cast.member_a, reason="Data came late",
                                               requested_by=cast.focal_a)
    client.force_login(cast.staff)
    assert "Data came late" in queue(client).content.decode()
    client.post(reverse("reopening-grant", args=[reopening.pk]), {"days": 21})
    reopening.refresh_from_db()
    assert reopening.state == "granted" and reopening.until == timezone.localdate() + timedelta(days=21)
    client.force_login(cast.focal_a)
    url = reverse("update-edit", args=["member-a", world.closed.code, world.action.code])
    assert "This period is locked" not in client.get(url).content.decode()
