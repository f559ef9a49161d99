from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportingConfig(AppConfig):
    name = "reporting"
    verbose_name = _("Reporting")

    def ready(self):
        from reporting.api import figure_fields
        from reporting.figures import signals

        signals.connect()
        figure_fields.register()
