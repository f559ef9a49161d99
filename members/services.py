"""Writes on members' side that carry a rule: API tokens.

A token's key is made here and returned once; only its SHA-256 hash is stored,
so a lost key is replaced, never recovered.
"""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from members.models import ApiToken
from metroplan.permissions import is_secretariat
from metroplan.services import PermissionDenied, ValidationError

MAX_TOKEN_DAYS = 3650


@transaction.atomic
def token_issue(
    *, owner, name: str, scope: str, days: int | None = None, issued_by=None
) -> tuple[ApiToken, str]:
    """Make a token for `owner` and return it with its key (shown once).

    `issued_by` is the staff user doing it in the browser; None means an
    operator on the command line. `days` None: the token does not expire.
    """
    if issued_by is not None and not is_secretariat(issued_by):
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
    if revoked_by is not None and not (is_secretariat(revoked_by) or revoked_by.pk == token.user_id):
        raise PermissionDenied(_("You cannot revoke this token."))
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token
