"""A POSTed `next` sends the browser back only to a page of this site."""

import pytest
from django.urls import reverse

from .conftest import make_update

pytestmark = pytest.mark.django_db

ELSEWHERE = ["https://evil.example/login", "//evil.example/", "/\\evil.example", "javascript:alert(1)"]


@pytest.mark.parametrize("target", ELSEWHERE)
def test_a_reopening_request_never_sends_the_user_to_another_site(client, cast, world, target):
    client.force_login(cast.focal_a)
    response = client.post(reverse("reopening-request", args=["member-a", world.closed.code]),
                           {"reason": "Our data came late.", "next": target})
    assert response.status_code == 302 and response["Location"] == reverse("updates")


@pytest.mark.parametrize("target", ELSEWHERE)
def test_bulk_approve_never_sends_the_reviewer_to_another_site(client, cast, world, target):
    update = make_update(world, cast.member_a, state="submitted")
    client.force_login(cast.staff)
    response = client.post(reverse("update-bulk-approve"), {"update": f"{update.pk}:{update.version}", "next": target})
    assert response.status_code == 302 and response["Location"] == reverse("update-review-queue")


def test_a_same_site_next_is_kept(client, cast, world):
    client.force_login(cast.staff)
    target = reverse("update-review-queue") + "?state=submitted"
    response = client.post(reverse("update-bulk-approve"), {"update": "", "next": target})
    assert response.status_code == 302
    update = make_update(world, cast.member_a, state="submitted")
    response = client.post(reverse("update-bulk-approve"), {"update": f"{update.pk}:{update.version}", "next": target})
    assert response["Location"] == target
