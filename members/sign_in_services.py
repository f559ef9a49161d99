"""Single sign-on: who may come in through a provider, decided by staff.

A provider (configured from the environment) vouches for a person's identity;
whether that person may use metroplan, and as whom, is the secretariat's
decision:

- an e-mail domain staff mapped (`SignInDomain`, per provider) proposes the
  person as a focal point of its member (or as secretariat staff);
- an e-mail domain nobody mapped is refused, and nothing is stored;
- a person whose address belongs to an existing user is proposed to be linked
  to that user, never linked silently;
- a person with no account here is proposed as a new user only when staff
  allowed the provider to propose new users (`SignInProvider`).

Each proposal is a `SignInRequest` that waits for staff to approve or refuse
it; only approval creates the user (or links the existing one), and only then
may the person sign in through the provider.
"""

import re
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from members.models import FocalPoint, Member, SignInDomain, SignInProvider, SignInRequest, SignInRole
from members.notifications import queue_sign_in_request_notification
from metroplan.permissions import SECRETARIAT_GROUP, can_manage_sign_in
from metroplan.services import PermissionDenied, ServiceError, ValidationError
from metroplan.sign_in_providers import provider_choices

DOMAIN = re.compile(r"(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}")
USERNAME_UNSAFE = re.compile(r"[^\w.@+-]")


def configured_providers() -> dict[str, str]:
    """id → name of the providers the environment configures."""
    return dict(provider_choices(settings.SOCIALACCOUNT_PROVIDERS))


def _require_manager(user) -> None:
    if not can_manage_sign_in(user):
        raise PermissionDenied(_("Only secretariat staff manage single sign-on."))


def email_domain(email: str) -> str:
    return email.rpartition("@")[2].strip().lower()


# What a person signing in through a provider meets -------------------------------


@dataclass(frozen=True)
class SignInOutcome:
    """`request` waits for staff (or was refused by them); or, with no
    request, `refusal` says why this sign-in is refused outright."""

    request: SignInRequest | None = None
    refusal: str = ""

    @property
    def waiting(self) -> bool:
        return self.request is not None and self.request.state == SignInRequest.State.PENDING


@transaction.atomic
def sign_in_request_open(
    *, provider: str, uid: str, email: str, email_verified: bool | None = None, name: str = "",
    first_name: str = "", last_name: str = "", extra_data: dict | None = None, language: str = "",
) -> SignInOutcome:
    """Someone `provider` vouched for (as `uid`) has no link to a user here:
    propose them to staff (who are told by e-mail), or say why not. Asking
    again changes nothing."""
    existing = SignInRequest.objects.select_for_update(of=("self",)).filter(provider=provider, uid=uid).order_by(
        "pk").first()
    if existing is not None and existing.state != SignInRequest.State.APPROVED:
        return SignInOutcome(request=existing)  # already told staff (or decided)
    provider_name = configured_providers().get(provider, provider)
    email = (email or "").strip()
    try:
        validate_email(email)
    except ValidationError:
        return SignInOutcome(refusal=_(
            "%(provider)s did not give your e-mail address, so metroplan cannot tell who you are. Ask your "
            "organisation's IT team to release it to metroplan, or sign in with your metroplan password."
        ) % {"provider": provider_name})
    if email_verified is False:
        return SignInOutcome(refusal=_(
            "%(provider)s says your e-mail address %(email)s is not verified. Verify it there, then sign in again."
        ) % {"provider": provider_name, "email": email})
    domain = email_domain(email)
    mapping = SignInDomain.objects.select_related("member").filter(provider=provider, domain=domain).first()
    if mapping is None:
        return SignInOutcome(refusal=_(
            "Addresses at @%(domain)s are not set up to sign in through %(provider)s. If you report for a "
            "member of the network, ask the secretariat to add your organisation's domain, or sign in with "
            "your metroplan password."
        ) % {"domain": domain, "provider": provider_name})

    User = get_user_model()
    users = list(User.objects.filter(email__iexact=email)[:2])
    if len(users) > 1:
        return SignInOutcome(refusal=_(
            "More than one metroplan account has the address %(email)s, so it cannot be linked to your "
            "%(provider)s account. Ask the secretariat to sort it out."
        ) % {"email": email, "provider": provider_name})
    if users:
        kind, user = SignInRequest.Kind.LINK, users[0]
    else:
        policy = SignInProvider.objects.filter(provider=provider).first()
        if policy is None or not policy.new_users_allowed:
            return SignInOutcome(refusal=_(
                "There is no metroplan account for %(email)s, and new accounts are not made through "
                "%(provider)s. Ask the secretariat to add you."
            ) % {"email": email, "provider": provider_name})
        kind, user = SignInRequest.Kind.NEW_USER, None

    fields = {
        "email": email, "name": name[:300], "first_name": first_name[:150], "last_name": last_name[:150],
        "extra_data": extra_data or {}, "language": (language or "")[:10],
        "kind": kind, "role": mapping.role, "member": mapping.member, "user": user,
        "state": SignInRequest.State.PENDING, "decided_at": None, "decided_by": None,
    }
    if existing is not None:  # approved once, but its link is gone (staff removed it): ask again
        for field, value in fields.items():
            setattr(existing, field, value)
        existing.created = timezone.now()
        existing.save()
        request = existing
    else:
        request = SignInRequest.objects.create(provider=provider, uid=uid, **fields)
    queue_sign_in_request_notification(request_id=request.pk, event="requested")
    return SignInOutcome(request=request)


# Staff's decisions ----------------------------------------------------------------


def _username_for(email: str) -> str:
    User = get_user_model()
    base = USERNAME_UNSAFE.sub("-", email.lower())[:140]
    candidate, n = base, 1
    while User.objects.filter(username=candidate).exists():
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def _pending(sign_in_request: SignInRequest) -> SignInRequest:
    locked = (SignInRequest.objects.select_for_update(of=("self",)).select_related("member", "user")
              .get(pk=sign_in_request.pk))
    if locked.state != SignInRequest.State.PENDING:
        raise ServiceError(
            _("This request was already %(state)s.") % {"state": locked.get_state_display().lower()},
            code="invalid_transition",
        )
    return locked


@transaction.atomic
def sign_in_request_approve(*, sign_in_request: SignInRequest, decided_by) -> SignInRequest:
    """Let the person in: create their user (a focal point of the proposed
    member, or secretariat staff), or link the existing user, to their account
    at the provider. They sign in through the provider from then on."""
    from allauth.socialaccount.models import SocialAccount

    _require_manager(decided_by)
    request = _pending(sign_in_request)
    if SocialAccount.objects.filter(provider=request.provider, uid=request.uid).exists():
        raise ServiceError(_("This account at the provider is already linked to a user."), code="already_linked")
    if request.kind == SignInRequest.Kind.LINK:
        user = request.user
        if user is None:
            raise ServiceError(_("The user this request would link no longer exists."), code="no_user")
    else:
        if request.role == SignInRole.FOCAL_POINT and request.member is None:
            raise ServiceError(_("The member this request proposes no longer exists."), code="no_member")
        User = get_user_model()
        user = User(username=_username_for(request.email), email=request.email,
                    first_name=request.first_name, last_name=request.last_name)
        user.set_unusable_password()  # they sign in through the provider
        user.save()
        if request.role == SignInRole.FOCAL_POINT:
            FocalPoint.objects.create(user=user, member=request.member)
        else:
            user.is_staff = True
            user.save(update_fields=["is_staff"])
            user.groups.add(Group.objects.get_or_create(name=SECRETARIAT_GROUP)[0])
    SocialAccount.objects.create(user=user, provider=request.provider, uid=request.uid, extra_data=request.extra_data)
    request.user = user
    request.state = SignInRequest.State.APPROVED
    request.decided_by = decided_by
    request.decided_at = timezone.now()
    request.save(update_fields=["user", "state", "decided_by", "decided_at"])
    queue_sign_in_request_notification(request_id=request.pk, event="approved")
    return request


@transaction.atomic
def sign_in_request_refuse(*, sign_in_request: SignInRequest, decided_by) -> SignInRequest:
    """Keep the person out: they are told so when they sign in through the
    provider again. Nothing is created or linked."""
    _require_manager(decided_by)
    request = _pending(sign_in_request)
    request.state = SignInRequest.State.REFUSED
    request.decided_by = decided_by
    request.decided_at = timezone.now()
    request.save(update_fields=["state", "decided_by", "decided_at"])
    queue_sign_in_request_notification(request_id=request.pk, event="refused")
    return request


# Staff's settings -----------------------------------------------------------------


def _require_provider(provider: str, field: str = "provider") -> None:
    if provider not in configured_providers():
        raise ValidationError({field: [_("Choose one of the single sign-on providers this site is set up with.")]})


@transaction.atomic
def sign_in_provider_set(*, provider: str, new_users_allowed: bool, by) -> SignInProvider:
    """Whether `provider` may propose people who have no account here as new users."""
    _require_manager(by)
    _require_provider(provider)
    policy, _created = SignInProvider.objects.update_or_create(
        provider=provider, defaults={"new_users_allowed": new_users_allowed}
    )
    return policy


@transaction.atomic
def sign_in_domain_add(*, provider: str, domain: str, role: str, member: Member | None, by) -> SignInDomain:
    """Map e-mail addresses at `domain`, signing in through `provider`, to
    `role` (a focal point of `member`, or secretariat staff)."""
    _require_manager(by)
    errors: dict[str, list[str]] = {}
    if provider not in configured_providers():
        errors["provider"] = [_("Choose one of the single sign-on providers this site is set up with.")]
    domain = (domain or "").strip().lower().removeprefix("@")
    if not DOMAIN.fullmatch(domain):
        errors["domain"] = [_("Give a domain such as bcn.cat (the part of the address after the @).")]
    elif SignInDomain.objects.filter(provider=provider, domain=domain).exists():
        errors["domain"] = [_("@%(domain)s is already mapped for this provider.") % {"domain": domain}]
    if role not in SignInRole.values:
        errors["role"] = [_("Choose what people from this domain are proposed as.")]
    elif role == SignInRole.FOCAL_POINT and member is None:
        errors["member"] = [_("Choose the member whose focal points sign in from this domain.")]
    elif role == SignInRole.SECRETARIAT:
        member = None
    if errors:
        raise ValidationError(errors)
    return SignInDomain.objects.create(provider=provider, domain=domain, role=role, member=member)


@transaction.atomic
def sign_in_domain_remove(*, domain: SignInDomain, by) -> None:
    """People from this domain are refused from now on; users already let in
    keep signing in."""
    _require_manager(by)
    domain.delete()
