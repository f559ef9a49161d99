from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportingConfig(AppConfig):
    name = "reporting"
    verbose_name = _("Reporting")

    def ready(self):
        from django.db.models.signals import post_migrate

        from metroplan.admin_access import secretariat_group_sync
        from metroplan.metrics import register_scrape_collector
        from reporting import changes, metrics
        from reporting.api import figure_fields
        from reporting.figures import signals

        signals.connect()
        changes.register()
        figure_fields.register()
        register_scrape_collector(metrics.collect)
        # Reporting is the last of the site's apps: every model's permissions exist when its signal is sent.
        post_migrate.connect(secretariat_group_sync, sender=self, dispatch_uid="metroplan-secretariat-admin")
