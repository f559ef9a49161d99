"""python manage.py add_focal_point --member SLUG --username NAME [--email E]"""

from django.core.management.base import BaseCommand, CommandError

from members.models import Member
from members.services import focal_point_add
from metroplan.services import ServiceError, ValidationError


class Command(BaseCommand):
    help = "Create a user (or take an existing one) and make it a focal point of a member."

    def add_arguments(self, parser):
        parser.add_argument("--member", required=True, help="The member's slug, e.g. barcelona.")
        parser.add_argument("--username", required=True)
        parser.add_argument("--email", default="")

    def handle(self, *args, member, username, email, **options):
        target = Member.objects.filter(slug=member).first()
        if target is None:
            raise CommandError(f"No member with slug {member!r}.")
        try:
            result = focal_point_add(member=target, username=username, email=email)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        except ServiceError as exc:
            raise CommandError(exc.message) from exc
        if result.user_created:
            self.stdout.write(self.style.SUCCESS(f"Created user {username} as focal point of {target.name}."))
            self.stdout.write("They set their password with “Forgot your password?” on the login page"
                              + ("" if result.focal_point.user.email else " (give them an e-mail address first)")
                              + ".")
        elif result.linked:
            self.stdout.write(self.style.SUCCESS(f"Linked existing user {username} to {target.name}."))
        else:
            self.stdout.write(f"{username} is already a focal point of {target.name}; nothing changed.")
