"""Who comes in through single sign-on, as staff decide: the services
(members/sign_in_services.py), the staff page, and the rules on passwords.
The end-to-end runs through a real provider are in tests/sign_in/."""

import pytest
from allauth.socialaccount.models import SocialAccount
from django.contrib.auth import get_user_model
from django.urls import reverse

from members.models import FocalPoint, SignInDomain, SignInProvider, SignInRequest
from members.sign_in_services import (
    sign_in_domain_add,
    sign_in_provider_set,
    sign_in_request_approve,
    sign_in_request_open,
    sign_in_request_refuse,
)
from metroplan.permissions import is_secretariat
from metroplan.services import PermissionDenied, ServiceError, ValidationError
from metroplan.sign_in_providers import sign_in_providers
from metroplan.testing import factories as f

PROVIDER = "entra"


@pytest.fixture(autouse=True)
def entra(settings):
    settings.SOCIALACCOUNT_PROVIDERS = sign_in_providers({
        "SSO_PROVIDERS": PROVIDER, "SSO_ENTRA_PROTOCOL": "oidc", "SSO_ENTRA_NAME": "Entra ID",
        "SSO_ENTRA_DISCOVERY_URL": "https://login.example/tenant/v2.0", "SSO_ENTRA_CLIENT_ID": "id",
        "SSO_ENTRA_CLIENT_SECRET": "secret",
    })


@pytest.fixture
def barcelona(db):
    member = f.MemberFactory(slug="barcelona", name="Barcelona")
    SignInDomain.objects.create(provider=PROVIDER, domain="bcn.cat", member=member)
    return member


def ask(uid="uid-1", email="ana@bcn.cat", **kwargs):
    return sign_in_request_open(provider=PROVIDER, uid=uid, email=email, name="Ana García", first_name="Ana",
                                last_name="García", **kwargs)


@pytest.mark.django_db
def test_an_unmapped_domain_is_refused_and_nothing_is_kept(barcelona):
    outcome = ask(email="someone@gmail.example")
    assert outcome.request is None and "@gmail.example are not set up to sign in through Entra ID" in outcome.refusal
    assert not SignInRequest.objects.exists()


@pytest.mark.django_db
def test_a_mapped_domain_proposes_a_new_focal_point_only_where_staff_allow_new_users(barcelona):
    refused = ask()
    assert refused.request is None and "new accounts are not made through Entra ID" in refused.refusal
    SignInProvider.objects.create(provider=PROVIDER, new_users_allowed=True)
    outcome = ask()
    assert outcome.waiting
    assert (outcome.request.kind, outcome.request.role, outcome.request.member) == ("new_user", "focal_point",
                                                                                   barcelona)
    assert ask().request == outcome.request  # asking again changes nothing
    assert SignInRequest.objects.count() == 1
    assert not get_user_model().objects.filter(email="ana@bcn.cat").exists()


@pytest.mark.django_db
def test_an_existing_user_with_the_address_is_proposed_for_linking_never_linked(barcelona):
    user = f.UserFactory(username="ana", email="Ana@BCN.cat")
    outcome = ask()
    assert outcome.waiting and outcome.request.kind == "link" and outcome.request.user == user
    assert not SocialAccount.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("email, verified, says", [
    ("", None, "did not give your e-mail address"),
    ("ana@bcn.cat", False, "is not verified"),
])
def test_no_address_or_an_unverified_one_is_refused(barcelona, email, verified, says):
    SignInProvider.objects.create(provider=PROVIDER, new_users_allowed=True)
    outcome = ask(email=email, email_verified=verified)
    assert outcome.request is None and says in outcome.refusal


@pytest.mark.django_db
def test_two_users_with_the_address_are_not_guessed_between(barcelona):
    f.UserFactory(username="ana1", email="ana@bcn.cat")
    f.UserFactory(username="ana2", email="ana@bcn.cat")
    assert "More than one metroplan account" in ask().refusal


@pytest.mark.django_db
def test_approving_makes_the_focal_point_and_links_the_provider_account(barcelona, cast):
    SignInProvider.objects.create(provider=PROVIDER, new_users_allowed=True)
    request = ask().request
    approved = sign_in_request_approve(sign_in_request=request, decided_by=cast.staff)
    user = approved.user
    assert (approved.state, approved.decided_by) == ("approved", cast.staff)
    assert (user.username, user.email, user.first_name, user.last_name) == ("ana@bcn.cat", "ana@bcn.cat", "Ana",
                                                                             "García")
    assert not user.has_usable_password()
    assert FocalPoint.objects.get(user=user).member == barcelona
    assert SocialAccount.objects.get(provider=PROVIDER, uid="uid-1").user == user
    with pytest.raises(ServiceError, match="already approved"):
        sign_in_request_approve(sign_in_request=request, decided_by=cast.staff)


@pytest.mark.django_db
def test_a_secretariat_domain_proposes_staff(cast):
    SignInDomain.objects.create(provider=PROVIDER, domain="metropolis.org", role="secretariat")
    SignInProvider.objects.create(provider=PROVIDER, new_users_allowed=True)
    request = ask(email="officer@metropolis.org").request
    assert request.role == "secretariat" and request.member is None
    user = sign_in_request_approve(sign_in_request=request, decided_by=cast.staff).user
    assert is_secretariat(user) and user.is_staff


@pytest.mark.django_db
def test_approving_a_link_keeps_the_user_as_they_were(barcelona, cast):
    user = f.FocalPointFactory(user=f.UserFactory(username="ana", email="ana@bcn.cat"), member=barcelona).user
    approved = sign_in_request_approve(sign_in_request=ask().request, decided_by=cast.staff)
    assert approved.user == user and SocialAccount.objects.get().user == user
    assert get_user_model().objects.filter(email="ana@bcn.cat").count() == 1


@pytest.mark.django_db
def test_refusing_keeps_them_out_and_says_so_next_time(barcelona, cast):
    SignInProvider.objects.create(provider=PROVIDER, new_users_allowed=True)
    request = ask().request
    sign_in_request_refuse(sign_in_request=request, decided_by=cast.staff)
    again = ask()
    assert again.request == request and again.request.state == "refused" and not again.waiting
    assert not get_user_model().objects.filter(email="ana@bcn.cat").exists()


@pytest.mark.django_db
def test_only_staff_decide(barcelona, cast):
    SignInProvider.objects.create(provider=PROVIDER, new_users_allowed=True)
    request = ask().request
    with pytest.raises(PermissionDenied):
        sign_in_request_approve(sign_in_request=request, decided_by=cast.focal_a)
    with pytest.raises(PermissionDenied):
        sign_in_provider_set(provider=PROVIDER, new_users_allowed=False, by=cast.focal_a)


@pytest.mark.django_db
@pytest.mark.parametrize("fields, field", [
    ({"provider": "google", "domain": "bcn.cat", "role": "focal_point"}, "provider"),
    ({"provider": PROVIDER, "domain": "not a domain", "role": "focal_point"}, "domain"),
    ({"provider": PROVIDER, "domain": "@BCN.cat", "role": "focal_point"}, "domain"),  # already mapped
    ({"provider": PROVIDER, "domain": "amb.cat", "role": "focal_point", "member": None}, "member"),
    ({"provider": PROVIDER, "domain": "amb.cat", "role": "mayor"}, "role"),
])
def test_a_domain_mapping_refuses_bad_input_naming_the_field(barcelona, cast, fields, field):
    with pytest.raises(ValidationError) as error:
        sign_in_domain_add(**{"member": barcelona, **fields}, by=cast.staff)
    assert field in error.value.message_dict


# The staff page ------------------------------------------------------------------------


@pytest.mark.django_db
def test_staff_map_a_domain_allow_new_users_and_approve_on_their_page(client, cast, barcelona):
    f.MemberFactory(slug="amb", name="Àrea Metropolitana de Barcelona")
    client.force_login(cast.staff)
    response = client.post(reverse("sign-in-domain-add"),
                           {"provider": PROVIDER, "domain": "amb.cat", "role": "focal_point", "member": "amb"})
    assert response.status_code == 302
    assert SignInDomain.objects.get(domain="amb.cat").member.slug == "amb"
    client.post(reverse("sign-in-provider", args=[PROVIDER]), {"new_users_allowed": "1"})
    assert SignInProvider.objects.get(provider=PROVIDER).new_users_allowed
    request = ask(email="joan@amb.cat").request
    page = client.get(reverse("sign-in-settings")).content.decode()
    assert "joan@amb.cat" in page and "New user: focal point of Àrea Metropolitana de Barcelona" in page
    response = client.post(reverse("sign-in-request-approve", args=[request.pk]), follow=True)
    assert "joan@amb.cat can now sign in as joan@amb.cat." in response.content.decode()
    assert FocalPoint.objects.get(user__email="joan@amb.cat").member.slug == "amb"


@pytest.mark.django_db
def test_a_bad_domain_is_explained_on_the_page(client, cast, barcelona):
    client.force_login(cast.staff)
    response = client.post(reverse("sign-in-domain-add"), {"provider": PROVIDER, "domain": "bcn", "role":
                                                            "focal_point", "member": "barcelona"})
    assert response.status_code == 400
    assert "Give a domain such as bcn.cat" in response.content.decode()


@pytest.mark.django_db
def test_focal_points_do_not_see_the_staff_page(client, cast):
    client.force_login(cast.focal_a)
    assert client.get(reverse("sign-in-settings")).status_code == 404


@pytest.mark.django_db
def test_the_staff_page_says_what_waits_in_few_queries(client, cast, barcelona, django_assert_max_num_queries):
    SignInProvider.objects.create(provider=PROVIDER, new_users_allowed=True)
    client.force_login(cast.staff)
    ask(uid="1", email="a@bcn.cat")
    client.get(reverse("sign-in-settings"))
    with django_assert_max_num_queries(20) as few:
        client.get(reverse("sign-in-settings"))
    for n in range(2, 30):
        ask(uid=str(n), email=f"person{n}@bcn.cat")
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("sign-in-settings"))


# Passwords ------------------------------------------------------------------------


@pytest.mark.django_db
def test_passwords_can_be_turned_off_for_staff_only(client, cast, settings):
    settings.STAFF_LOCAL_PASSWORDS = False
    response = client.post("/accounts/login/", {"username": "staff", "password": f.PASSWORD})
    assert response.status_code == 200 and client.session.get("_auth_user_id") is None
    assert "Secretariat staff sign in with their organisation&#x27;s account" in response.content.decode()
    assert client.post("/accounts/login/", {"username": "focal-a", "password": f.PASSWORD}).status_code == 302


@pytest.mark.django_db
def test_the_login_page_says_what_the_site_is_and_offers_the_providers(client):
    page = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "El Plan de Acción Estratégico de Metropolis" in page
    assert "Continuar con Entra ID" in page and 'id="id_username"' in page and 'id="id_password"' in page
    assert 'class="site-header"' in page  # the site's layout, with its navigation


# E-mails ------------------------------------------------------------------------


@pytest.mark.django_db
def test_staff_hear_of_a_request_and_the_person_of_the_decision_in_their_language(
    barcelona, cast, celery_eager, django_capture_on_commit_callbacks, mailoutbox, settings
):
    from members.languages import user_language_set

    settings.SITE_URL = "https://plan.metropolis.example"
    user_language_set(user=cast.staff, language="fr")
    SignInProvider.objects.create(provider=PROVIDER, new_users_allowed=True)
    with django_capture_on_commit_callbacks(execute=True):
        request = ask(language="es").request
    [to_staff] = mailoutbox
    assert to_staff.to == [cast.staff.email]
    assert to_staff.subject == "En attente de votre approbation : ana@bcn.cat demande à se connecter à metroplan"
    assert "pour rendre compte pour Barcelona en tant que point focal" in to_staff.body
    assert "https://plan.metropolis.example/single-sign-on/" in to_staff.body
    with django_capture_on_commit_callbacks(execute=True):
        ask(language="es")  # asking again: no new e-mail
    assert len(mailoutbox) == 1
    with django_capture_on_commit_callbacks(execute=True):
        sign_in_request_approve(sign_in_request=request, decided_by=cast.staff)
    to_person = mailoutbox[1]
    assert to_person.to == ["ana@bcn.cat"] and to_person.subject == "Ya puede iniciar sesión en metroplan"
    assert "https://plan.metropolis.example/accounts/login/" in to_person.body
