"""Writes on members' side that carry a rule: member records, focal points and
API tokens.

A token's key is made here and returned once; only its SHA-256 hash is stored,
so a lost key is replaced, never recovered.
"""

import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from members.models import ApiToken, FocalPoint, Member
from members.zones import validate_time_zone, zone_for
from metroplan.outbox import outbox_enqueue
from metroplan.permissions import (
    can_edit_members,
    can_manage_tokens,
    can_revoke_token,
    focal_point_invite_refusal,
    focal_point_manage_refusal,
    require,
)
from metroplan.services import PermissionDenied, ServiceError, ValidationError, check_version

MAX_TOKEN_DAYS = 3650


@transaction.atomic
def token_issue(
    *, owner, name: str, scope: str, days: int | None = None, issued_by=None
) -> tuple[ApiToken, str]:
    """Make a token for `owner` and return it with its key (shown once).

    `issued_by` is the staff user doing it in the browser; None means an
    operator on the command line. `days` None: the token does not expire.
    """
    if issued_by is not None and not can_manage_tokens(issued_by):
        raise PermissionDenied(_("Only secretariat staff issue API tokens."))
    errors = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = [_("Give the token a name that says who uses it and for what.")]
    elif len(name) > ApiToken._meta.get_field("name").max_length:
        errors["name"] = [_("At most 100 characters.")]
    if scope not in ApiToken.Scope.values:
        errors["scope"] = [_("Choose read or write.")]
    if days is not None and not (1 <= days <= MAX_TOKEN_DAYS):
        errors["days"] = [_("Between 1 and %(max)d days.") % {"max": MAX_TOKEN_DAYS}]
    if not owner.is_active:
        errors["user"] = [_("This user is inactive.")]
    if errors:
        raise ValidationError(errors)
    key = ApiToken.generate_key()
    token = ApiToken.objects.create(
        user=owner,
        name=name,
        scope=scope,
        key_hash=ApiToken.hash_key(key),
        prefix=key[: ApiToken.PREFIX_LENGTH],
        expires_at=timezone.now() + timedelta(days=days) if days else None,
    )
    return token, key


@transaction.atomic
def token_revoke(*, token: ApiToken, revoked_by=None) -> ApiToken:
    """Revoke a token at once (staff, or the token's own user). Revoking a
    revoked token changes nothing."""
    if revoked_by is not None and not can_revoke_token(revoked_by, token):
        raise PermissionDenied(_("You cannot revoke this token."))
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


@dataclass(frozen=True)
class FocalPointResult:
    focal_point: FocalPoint
    user_created: bool
    linked: bool  # False when the user was already this member's focal point


@transaction.atomic
def focal_point_add(*, member: Member, username: str, email: str = "") -> FocalPointResult:
    """Make `username` a focal point of `member`, creating the user if needed.

    A new user gets a random password it never sees: they choose their own
    through "forgot your password" (which needs an e-mail address). A user who
    already reports for another member is refused, not moved: a focal point
    belongs to exactly one member, and moving one is a deliberate act.
    Adding an existing focal point again changes nothing.
    """
    username = (username or "").strip()
    email = (email or "").strip()
    User = get_user_model()
    if not username:
        raise ValidationError({"username": [_("Give a username.")]})
    try:
        User._meta.get_field("username").run_validators(username)
    except ValidationError as exc:
        raise ValidationError({"username": exc.messages}) from exc
    if email:
        try:
            validate_email(email)
        except ValidationError as exc:
            raise ValidationError({"email": [_("Enter a valid e-mail address.")]}) from exc

    user = User.objects.select_for_update().filter(username=username).first()
    user_created = user is None
    if user_created:
        user = User(username=username, email=email)
        user.set_password(secrets.token_urlsafe(32))
        user.save()
    elif email and user.email != email:
        if user.email:
            raise ValidationError({"email": [
                _("User %(username)s already has the address %(email)s; change it in the admin if it is wrong.")
                % {"username": username, "email": user.email}
            ]})
        user.email = email
        user.save(update_fields=["email"])

    existing = FocalPoint.objects.select_related("member").filter(user=user).first()
    if existing is not None:
        if existing.member_id != member.pk:
            raise ServiceError(
                _("%(username)s is already the focal point of %(other)s; a user reports for one member only.")
                % {"username": username, "other": existing.member.name},
                code="other_member",
            )
        return FocalPointResult(existing, user_created=False, linked=False)
    focal_point = FocalPoint.objects.create(user=user, member=member)
    return FocalPointResult(focal_point, user_created=user_created, linked=True)


NAME_MAX = 150


@transaction.atomic
def focal_point_update(*, actor, focal_point: FocalPoint, member: Member, email: str, first_name: str = "",
                       last_name: str = "") -> FocalPoint:
    """Change a focal point's name, e-mail address or member (staff). Moving
    them to another member is the deliberate act `focal_point_add` refuses
    to do by itself: from then on they report for the new member only."""
    focal_point = FocalPoint.objects.select_for_update().select_related("user", "member").get(pk=focal_point.pk)
    user = focal_point.user
    require(focal_point_manage_refusal(actor, user))
    email, first_name, last_name = (email or "").strip(), (first_name or "").strip(), (last_name or "").strip()
    errors = {}
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors["email"] = [_("Enter a valid e-mail address.")]
    for name, value in (("first_name", first_name), ("last_name", last_name)):
        if len(value) > NAME_MAX:
            errors[name] = [_("At most %(max)d characters.") % {"max": NAME_MAX}]
    if member is None:
        errors["member"] = [_("Choose the member they report for.")]
    if errors:
        raise ValidationError(errors)
    user.email, user.first_name, user.last_name = email, first_name, last_name
    user.save(update_fields=["email", "first_name", "last_name"])
    if focal_point.member_id != member.pk:
        focal_point.member = member
        focal_point.save(update_fields=["member"])
    return focal_point


@transaction.atomic
def focal_point_set_active(*, actor, focal_point: FocalPoint, active: bool) -> bool:
    """Deactivate a focal point (they can no longer sign in, their open
    sessions and API tokens stop working, reminders no longer reach them) or
    reactivate them (staff). Their updates and history stay. Returns whether
    anything changed."""
    user = get_user_model().objects.select_for_update().get(pk=focal_point.user_id)
    require(focal_point_manage_refusal(actor, user))
    if user.is_active == active:
        return False
    user.is_active = active
    user.save(update_fields=["is_active"])
    return True


@transaction.atomic
def focal_point_invite(*, actor, focal_point: FocalPoint) -> FocalPoint:
    """E-mail a focal point an invitation with a one-time link to choose
    their password (staff), through the outbox: it goes once this
    transaction commits, rendered in their language when it is sent
    (members.invitations). Inviting again sends a new link; a link stops
    working once a password is set with it or they sign in."""
    focal_point = FocalPoint.objects.select_for_update().select_related("user").get(pk=focal_point.pk)
    require(focal_point_invite_refusal(actor, focal_point.user))
    focal_point.invited_at = timezone.now()
    focal_point.invited_by = actor
    focal_point.save(update_fields=["invited_at", "invited_by"])
    outbox_enqueue("members.tasks.send_invitation", user_id=focal_point.user_id)
    return focal_point


# Member records ----------------------------------------------------------------

MEMBER_FIELDS = {
    "slug", "name", "country", "country_code", "region", "membership_type", "latitude", "longitude",
    "time_zone", "confidence", "source",
}


def _validate_member(member: Member) -> None:
    errors: dict[str, list] = {}
    member.slug = (member.slug or "").strip()
    member.name = (member.name or "").strip()
    member.country = (member.country or "").strip()
    member.country_code = (member.country_code or "").strip().upper()
    if not member.slug:
        errors["slug"] = [_("Give the member a slug, for example barcelona.")]
    elif Member.objects.filter(slug=member.slug).exclude(pk=member.pk).exists():
        errors["slug"] = [_("Another member has the slug %(slug)s.") % {"slug": member.slug}]
    if not member.name:
        errors["name"] = [_("Give the member's name.")]
    if not member.country:
        errors["country"] = [_("Give the country.")]
    if len(member.country_code) != 2 or not member.country_code.isalpha() or not member.country_code.isascii():
        errors["country_code"] = [_("Give the two-letter ISO 3166 code, for example ES.")]
    if member.region_id is None:
        errors["region"] = [_("Choose a region.")]
    if member.membership_type not in Member.MembershipType.values:
        errors["membership_type"] = [_("Choose a membership type.")]
    if member.confidence not in Member.Confidence.values:
        errors["confidence"] = [_("Choose how sure the record is.")]
    if member.latitude is None or not -90 <= member.latitude <= 90:
        errors["latitude"] = [_("A latitude lies between -90 and 90.")]
    if member.longitude is None or not -180 <= member.longitude <= 180:
        errors["longitude"] = [_("A longitude lies between -180 and 180.")]
    member.time_zone = (member.time_zone or "").strip()
    try:
        validate_time_zone(member.time_zone)
    except ValidationError as exc:
        errors["time_zone"] = exc.messages
    if errors:
        raise ValidationError(errors)


def _apply_member(member: Member, data) -> list[str]:
    unknown = set(data) - MEMBER_FIELDS
    if unknown:
        raise ValueError(f"unexpected fields for member: {sorted(unknown)}")
    changed = []
    for name, value in data.items():
        # Compare the region by id: a new member has none yet.
        current = member.region_id if name == "region" else getattr(member, name)
        new = getattr(value, "pk", value) if name == "region" else value
        if current != new:
            setattr(member, name, value)
            changed.append(name)
    return changed


def _require_member_editor(user) -> None:
    if not can_edit_members(user):
        raise PermissionDenied(_("Only secretariat staff edit member records."))


@transaction.atomic
def member_create(*, user, data) -> Member:
    """A new member government (with history). It is expected to report only
    once a membership span says so. Without a `time_zone`, it gets the zone of
    its coordinates."""
    _require_member_editor(user)
    member = Member(version=0)
    _apply_member(member, data)
    located = member.latitude is not None and member.longitude is not None
    if "time_zone" not in data and located and -90 <= member.latitude <= 90 and -180 <= member.longitude <= 180:
        member.time_zone = zone_for(
            latitude=member.latitude, longitude=member.longitude, country_code=member.country_code or ""
        )
    _validate_member(member)
    member.version = 1
    member._history_user = user
    member.save()
    return member


@transaction.atomic
def member_update(*, user, member: Member, data, expected_version: int | None = None) -> Member:
    """Change a member's record, including corrections of its provenance
    (`confidence`, `source`). Refused with ConflictError if the member moved past
    `expected_version`; every change bumps `version` and leaves a history record."""
    _require_member_editor(user)
    member = Member.objects.select_for_update().get(pk=member.pk)
    check_version(member, expected_version)
    if _apply_member(member, data):
        _validate_member(member)
        member.version += 1
        member._history_user = user
        member.save()
    return member
