from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from actions.loading import PlanFileError, plan_load
from members.loading import MemberFileError, members_load
from reporting.figures import cache as figures_cache
from reporting.loading import periods_create_quarterly

DATA_DIR = Path(settings.BASE_DIR) / "data"


class Command(BaseCommand):
    help = "Load the 2021-2023 plan, the regions and the 141 members, and the quarterly periods. Idempotent."

    def add_arguments(self, parser):
        parser.add_argument("--plan", type=Path, default=DATA_DIR / "plan-2021-2023.yaml")
        parser.add_argument("--members", type=Path, default=DATA_DIR / "members.csv")

    def handle(self, *args, **options):
        try:
            with transaction.atomic():
                member_counts = members_load(path=options["members"])
                plan = plan_load(path=options["plan"])
                periods = periods_create_quarterly(plan=plan)
                figures_cache.bump()  # bulk writes send no signals
        except (PlanFileError, MemberFileError, FileNotFoundError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Loaded {member_counts['members']} members in {member_counts['regions']} regions "
                f"({member_counts['created']} new); plan {plan.code} with {plan.goals.count()} goals; "
                f"{len(periods)} reporting periods."
            )
        )
