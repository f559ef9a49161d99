"""Writes to members that carry a rule: linking focal points to members."""

import secrets
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from members.models import FocalPoint, Member
from metroplan.services import ServiceError, ValidationError


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
