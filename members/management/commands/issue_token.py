"""python manage.py issue_token --user USERNAME --scope read|write --name NAME [--days N]

Prints the new key once; only its hash is stored."""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from members.models import ApiToken
from members.services import token_issue


class Command(BaseCommand):
    help = "Issue an API token for a user and print its key (shown once)."

    def add_arguments(self, parser):
        parser.add_argument("--user", required=True, help="Username of the token's owner.")
        parser.add_argument("--scope", required=True, choices=ApiToken.Scope.values)
        parser.add_argument("--name", required=True, help="Who uses the token, and for what.")
        parser.add_argument("--days", type=int, default=None, help="Expire after this many days (default: never).")

    def handle(self, *args, user, scope, name, days, **options):
        owner = get_user_model().objects.filter(username=user).first()
        if owner is None:
            raise CommandError(f"No user named {user!r}.")
        try:
            token, key = token_issue(owner=owner, name=name, scope=scope, days=days)
        except ValidationError as exc:
            messages = "; ".join(f"{field}: {' '.join(errors)}" for field, errors in exc.message_dict.items())
            raise CommandError(messages) from exc
        expiry = token.expires_at.isoformat() if token.expires_at else "never"
        self.stderr.write(
            f"Token {token.name!r} ({token.scope}) for {owner.username}, expires {expiry}. "
            "The key is shown once; store it now:"
        )
        self.stdout.write(key)
