from django.core.management.base import BaseCommand, CommandError

from reporting.demo import DEMO_PASSWORD, demo_reports_build, demo_seed


class Command(BaseCommand):
    help = "Create demo accounts and a reproducible set of demo progress updates (labelled as demo). Idempotent."

    def handle(self, *args, **options):
        try:
            logins = demo_seed()
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS("Demo data is in place. Logins (password for all: %s):" % DEMO_PASSWORD))
        for login in logins:
            extra = f" — {login.detail}" if login.detail else ""
            self.stdout.write(f"  {login.username:<16} {login.role}{extra}")
        reports = demo_reports_build()
        if reports:
            codes = ", ".join(report.period.code for report in reports)
            self.stdout.write(f"Built {len(reports)} period-close reports: {codes}")
