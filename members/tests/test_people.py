"""Managing people: staff edit a focal point, deactivate them (they can no
longer sign in, their session and tokens stop working) and reactivate them,
see when each last signed in, and invite them again (an e-mail through the
outbox, in their language, whose one-time link sets a password once)."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from rest_framework.test import APIClient

from members.languages import user_language_set
from members.services import focal_point_invite, focal_point_set_active
from metroplan.services import PermissionDenied, ServiceError
from metroplan.testing import factories as f

pytestmark = pytest.mark.django_db
User = get_user_model()
SITE = "https://plan.metropolis.test"


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.SITE_URL = SITE


@pytest.fixture
def staff_client(client, cast):
    client.force_login(cast.staff)
    return client


def edit_url(cast, user=None) -> str:
    return reverse("focal-point-edit", args=[(user or cast.focal_a).focal_point.pk])


# --- editing ---------------------------------------------------------------------------------------------


def test_staff_edit_a_focal_points_name_address_and_member(staff_client, cast):
    response = staff_client.post(edit_url(cast), {
        "member": "member-b", "first_name": "Ana", "last_name": "Roig", "email": "ana.roig@city.example",
    })
    assert response.status_code == 302
    user = User.objects.get(pk=cast.focal_a.pk)
    assert (user.get_full_name(), user.email, user.focal_point.member) == ("Ana Roig", "ana.roig@city.example",
                                                                           cast.member_b)


def test_a_wrong_address_is_named_and_nothing_changes(staff_client, cast):
    response = staff_client.post(edit_url(cast), {"member": "member-a", "email": "not an address"})
    assert response.status_code == 400
    assert "email" in response.context["form"].errors
    assert User.objects.get(pk=cast.focal_a.pk).email == cast.focal_a.email


def test_focal_points_cannot_reach_the_people_pages(client, cast):
    client.force_login(cast.focal_a)
    assert client.get(reverse("focal-point-list")).status_code == 404
    assert client.get(edit_url(cast)).status_code == 404
    assert client.post(reverse("focal-point-deactivate", args=[cast.focal_b.focal_point.pk])).status_code == 404
    assert User.objects.get(pk=cast.focal_b.pk).is_active


def test_a_secretariat_account_is_not_managed_from_the_focal_point_pages(staff_client, cast):
    colleague = f.StaffFactory(username="colleague")
    f.FocalPointFactory(user=colleague, member=cast.member_b)
    response = staff_client.post(edit_url(cast, colleague), {"member": "member-b", "email": "x@example.org"})
    assert response.status_code == 403
    assert "change it in the admin" in response.content.decode()
    with pytest.raises(PermissionDenied):
        focal_point_set_active(actor=cast.staff, focal_point=colleague.focal_point, active=False)
    assert User.objects.get(pk=colleague.pk).is_active


# --- deactivating and reactivating -------------------------------------------------------------------------


def test_a_deactivated_focal_point_cannot_sign_in_nor_keep_their_session_or_token(client, staff_client, cast):
    focal = type(staff_client)()
    focal.force_login(cast.focal_a)
    assert focal.get(reverse("home")).status_code == 200
    api = APIClient(HTTP_AUTHORIZATION=f"Token {cast.write_key_a}")
    assert api.get("/api/v1/updates/").status_code == 200

    response = staff_client.post(reverse("focal-point-deactivate", args=[cast.focal_a.focal_point.pk]), follow=True)
    assert "focal-a is deactivated: they can no longer sign in." in response.content.decode()

    assert focal.get(reverse("home")).status_code == 302  # the open session no longer counts
    assert api.get("/api/v1/updates/").status_code == 401
    anonymous = type(staff_client)()
    login = anonymous.post(reverse("login"), {"username": "focal-a", "password": f.PASSWORD})
    # The sign-in (django-allauth) says the account is inactive, and signs nobody in.
    assert login.status_code == 302 and login["Location"] == reverse("account_inactive")
    assert anonymous.get(reverse("home")).status_code == 302

    staff_client.post(reverse("focal-point-reactivate", args=[cast.focal_a.focal_point.pk]))
    login = anonymous.post(reverse("login"), {"username": "focal-a", "password": f.PASSWORD})
    assert login.status_code == 302 and login["Location"] != reverse("account_inactive")
    assert anonymous.get(reverse("home")).status_code == 200


def test_staff_see_when_each_focal_point_last_signed_in_and_who_is_deactivated(staff_client, cast):
    client = type(staff_client)()
    client.post(reverse("login"), {"username": "focal-a", "password": f.PASSWORD})
    focal_point_set_active(actor=cast.staff, focal_point=cast.focal_b.focal_point, active=False)
    page = staff_client.get(reverse("focal-point-list"))
    rows = {fp.user.username: fp for fp in page.context["page"]}
    assert rows["focal-a"].user.last_login is not None and rows["focal-b"].user.last_login is None
    text = page.content.decode()
    assert "never" in text and "Deactivated" in text
    inactive = staff_client.get(reverse("focal-point-list"), {"state": "inactive"})
    assert [fp.user.username for fp in inactive.context["page"]] == ["focal-b"]
    found = staff_client.get(reverse("focal-point-list"), {"q": "Member A"})
    assert [fp.user.username for fp in found.context["page"]] == ["focal-a"]


# --- invitations ----------------------------------------------------------------------------------------------


@pytest.fixture
def invite(staff_client, cast, celery_eager, django_capture_on_commit_callbacks, mailoutbox):
    """Staff press "Send a new invitation"; the outbox relays it after commit."""

    def send(user):
        with django_capture_on_commit_callbacks(execute=True):
            return staff_client.post(reverse("focal-point-invite", args=[user.focal_point.pk]), follow=True)

    return send


def link_in(message) -> str:
    return re.search(rf"{re.escape(SITE)}(/accounts/reset/\S+)", message.body).group(1)


def test_an_invitation_goes_in_the_recipients_language_with_a_link_that_works_once(client, cast, invite,
                                                                                  mailoutbox):
    user_language_set(user=cast.focal_a, language="es")
    response = invite(cast.focal_a)
    assert f"An invitation went to {cast.focal_a.email}." in response.content.decode()
    [message] = mailoutbox
    assert message.to == [cast.focal_a.email]
    assert message.subject == "Usted informa por Member A en metroplan"
    assert "focal-a" in message.body

    link = link_in(message)
    form = client.get(link, follow=True)
    assert form.context["validlink"]
    done = client.post(form.redirect_chain[-1][0], {
        "new_password1": "a passphrase for our city", "new_password2": "a passphrase for our city",
    })
    assert done.status_code == 302 and done["Location"] == reverse("password_reset_complete")
    assert client.login(username="focal-a", password="a passphrase for our city")
    client.logout()
    again = client.get(link, follow=True)
    assert not again.context["validlink"]  # once only
    assert "This link has already been used or has run out." in again.content.decode()


def test_a_new_invitation_is_rendered_when_sent_and_records_when(cast, invite, mailoutbox):
    invite(cast.focal_a)
    invite(cast.focal_a)
    assert len(mailoutbox) == 2
    cast.focal_a.focal_point.refresh_from_db()
    assert cast.focal_a.focal_point.invited_by == cast.staff and cast.focal_a.focal_point.invited_at is not None


def test_a_deactivated_focal_point_or_one_without_an_address_is_not_invited(cast, invite, mailoutbox):
    focal_point_set_active(actor=cast.staff, focal_point=cast.focal_a.focal_point, active=False)
    response = invite(cast.focal_a)
    assert "This account is deactivated; reactivate it before inviting." in response.content.decode()
    User.objects.filter(pk=cast.focal_b.pk).update(email="")
    with pytest.raises(ServiceError):
        focal_point_invite(actor=cast.staff, focal_point=cast.focal_b.focal_point)
    assert mailoutbox == []


def test_an_invitation_deactivated_before_it_went_out_is_not_sent(cast, mailoutbox):
    from members.invitations import invitation_send

    focal_point_invite(actor=cast.staff, focal_point=cast.focal_a.focal_point)  # queued, not yet relayed
    focal_point_set_active(actor=cast.staff, focal_point=cast.focal_a.focal_point, active=False)
    assert invitation_send(user_id=cast.focal_a.pk) == 0
    assert mailoutbox == []


# --- an action's lead, in the plan editor ------------------------------------------------------------------------


def test_staff_assign_an_actions_lead_in_the_plan_editor_and_the_action_page_names_them(staff_client, cast):
    from actions.tests.test_plan_views import edit_payload

    plan = f.PlanFactory()
    goal = f.GoalFactory(plan=plan, code="1")
    action = f.ActionFactory(goal=goal, code="1.1", title="Train city staff")
    lead = f.StaffFactory(username="lead", first_name="Lea", last_name="Dupont")
    response = staff_client.post(reverse("plan-action-edit", args=[action.code]),
                                 edit_payload(action, lead=lead.pk))
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.lead == lead
    assert "Lea Dupont" in staff_client.get(reverse("action-detail", args=[action.code])).content.decode()


def test_the_focal_point_list_costs_the_same_queries_for_few_and_many(staff_client, cast):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    staff_client.get(reverse("focal-point-list"))
    with CaptureQueriesContext(connection) as few:
        staff_client.get(reverse("focal-point-list"))
    for i in range(25):
        f.FocalPointFactory(user=f.UserFactory(username=f"many-{i}"), member=cast.member_b)
    with CaptureQueriesContext(connection) as many:
        staff_client.get(reverse("focal-point-list"))
    assert len(many) == len(few)
