"""Focal points: the management command, the staff page, and the account
pages a focal point uses (login, password change, reset by e-mail)."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import CommandError, call_command
from django.urls import reverse

from members.models import FocalPoint
from members.services import focal_point_add
from metroplan.services import ServiceError, ValidationError
from metroplan.testing import factories as f

pytestmark = pytest.mark.django_db
User = get_user_model()


def test_command_creates_a_user_and_links_it(cast, capsys):
    call_command("add_focal_point", "--member", "member-a", "--username", "ana", "--email", "ana@city.example")
    user = User.objects.get(username="ana")
    assert user.email == "ana@city.example" and user.has_usable_password()
    assert user.focal_point.member == cast.member_a
    assert "Created user ana" in capsys.readouterr().out


def test_command_links_an_existing_user_and_is_idempotent(cast, capsys):
    user = f.UserFactory(username="bob", email="")
    call_command("add_focal_point", "--member", "member-b", "--username", "bob", "--email", "bob@city.example")
    call_command("add_focal_point", "--member", "member-b", "--username", "bob")
    out = capsys.readouterr().out
    assert "Linked existing user bob" in out and "nothing changed" in out
    user.refresh_from_db()
    assert user.email == "bob@city.example"
    assert FocalPoint.objects.filter(user=user).count() == 1


def test_command_refuses_a_user_of_another_member_and_an_unknown_member(cast):
    with pytest.raises(CommandError, match="already the focal point of Member A"):
        call_command("add_focal_point", "--member", "member-b", "--username", "focal-a")
    with pytest.raises(CommandError, match="No member"):
        call_command("add_focal_point", "--member", "atlantis", "--username", "x")
    assert cast.focal_a.focal_point.member == cast.member_a


def test_service_validates_username_and_email(cast):
    with pytest.raises(ValidationError):
        focal_point_add(member=cast.member_a, username="bad name!")
    with pytest.raises(ValidationError):
        focal_point_add(member=cast.member_a, username="ok", email="not-an-address")
    with pytest.raises(ServiceError):
        focal_point_add(member=cast.member_a, username="focal-b")
    assert not User.objects.filter(username="ok").exists()


def test_staff_add_a_focal_point_in_the_browser_and_invite_them(client, cast, celery_eager,
                                                                django_capture_on_commit_callbacks):
    client.force_login(cast.staff)
    with django_capture_on_commit_callbacks(execute=True):  # the invitation goes through the outbox
        response = client.post(reverse("focal-point-add"), {
            "member": "member-b", "username": "carla", "email": "carla@city.example", "invite": "on",
        }, follow=True)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Created carla, focal point of Member B" in body and "carla" in body
    assert User.objects.get(username="carla").focal_point.member == cast.member_b
    assert mail.outbox[0].to == ["carla@city.example"]
    assert "You report for Member B" in mail.outbox[0].subject
    assert "/accounts/reset/" in mail.outbox[0].body


def test_staff_page_shows_errors_next_to_the_field(client, cast):
    client.force_login(cast.staff)
    response = client.post(reverse("focal-point-add"), {"member": "member-b", "username": "focal-a", "invite": ""})
    assert response.status_code == 200
    assert "already the focal point of Member A" in response.context["form"].errors["username"][0]
    response = client.post(reverse("focal-point-add"), {"member": "member-b", "username": "dan", "invite": "on"})
    assert "An invitation needs an e-mail address." in response.context["form"].errors["email"]
    assert not User.objects.filter(username="dan").exists()


def test_focal_point_list_shows_members_and_users(client, cast):
    client.force_login(cast.staff)
    body = client.get(reverse("focal-point-list")).content.decode()
    assert "focal-a" in body and "Member A" in body and "focal-b" in body


def test_login_logout_and_password_change(client, cast):
    response = client.post(reverse("login"), {"username": "focal-a", "password": f.PASSWORD})
    assert response.status_code == 302
    assert client.get(reverse("updates")).status_code == 200
    response = client.post(reverse("password_change"), {
        "old_password": f.PASSWORD, "new_password1": "a brand new passphrase 42",
        "new_password2": "a brand new passphrase 42",
    })
    assert response["Location"] == reverse("password_change_done")
    client.post(reverse("logout"))
    assert client.get(reverse("updates")).status_code == 302
    assert client.login(username="focal-a", password="a brand new passphrase 42")


def test_wrong_password_says_so(client, cast):
    response = client.post(reverse("login"), {"username": "focal-a", "password": "wrong"})
    assert "did not match" in response.content.decode()


def test_password_reset_by_email(client, cast):
    response = client.post(reverse("password_reset"), {"email": cast.focal_a.email})
    assert response["Location"] == reverse("password_reset_done")
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [cast.focal_a.email]
    link = re.search(r"https?://[^/]+(/accounts/reset/\S+)", mail.outbox[0].body).group(1)
    form_page = client.get(link, follow=True)
    assert "Choose a new password" in form_page.content.decode()
    response = client.post(form_page.redirect_chain[-1][0], {
        "new_password1": "reset passphrase for city", "new_password2": "reset passphrase for city",
    })
    assert response["Location"] == reverse("password_reset_complete")
    assert client.login(username="focal-a", password="reset passphrase for city")


def test_nav_shows_updates_to_focal_points_and_review_to_staff(client, cast):
    client.force_login(cast.focal_a)
    body = client.get(reverse("updates")).content.decode()
    assert f'href="{reverse("updates")}"' in body and f'href="{reverse("update-review-queue")}"' not in body
    client.force_login(cast.staff)
    body = client.get(reverse("update-review-queue")).content.decode()
    assert f'href="{reverse("update-review-queue")}"' in body and f'href="{reverse("focal-point-list")}"' in body


def test_focal_point_list_query_count_does_not_grow_with_rows(client, cast):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(cast.staff)
    client.get(reverse("focal-point-list"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("focal-point-list"))
    for n in range(10):
        f.FocalPointFactory(member=f.MemberFactory(region=f.RegionFactory(slug=f"r-{n}")))
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("focal-point-list"))
    assert len(response.context["page"]) == 12
    assert len(many) == len(few)
