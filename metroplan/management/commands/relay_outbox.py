"""Publish the outbox's waiting messages to the broker now.

For an operator after a broker outage, or a deployment without beat:
`manage.py relay_outbox` (once) or `manage.py relay_outbox --loop 15`.
"""

import time

from django.core.management.base import BaseCommand

from metroplan.outbox import outbox_pending_count, outbox_relay


class Command(BaseCommand):
    help = "Publish the outbox's waiting messages to the Celery broker."

    def add_arguments(self, parser):
        parser.add_argument("--loop", type=float, default=0, metavar="SECONDS",
                            help="Keep relaying every SECONDS instead of once.")

    def handle(self, *args, loop: float, **options):
        while True:
            published = outbox_relay()
            self.stdout.write(f"published {published}, pending {outbox_pending_count()}")
            if not loop:
                return
            time.sleep(loop)
