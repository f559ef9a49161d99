"""The code an authenticator app set up with the demo secret shows now (the
demo `secretariat` account's second factor), for trying the site without an
app. It knows nothing but the published demo secret."""

import time

from allauth.mfa import app_settings
from django.core.management.base import BaseCommand

from metroplan.second_factor import totp_code
from reporting.demo import DEMO_TOTP_SECRET


class Command(BaseCommand):
    help = "Print the demo secretariat account's current second-factor code (from the published demo secret)."

    def handle(self, *args, **options):
        seconds_left = app_settings.TOTP_PERIOD - int(time.time()) % app_settings.TOTP_PERIOD
        self.stdout.write(f"{totp_code(DEMO_TOTP_SECRET)}  (valid for {seconds_left} more seconds, and the next 30)")
