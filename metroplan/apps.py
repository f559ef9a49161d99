from django.apps import AppConfig
from django.db.backends.signals import connection_created


class MetroplanConfig(AppConfig):
    name = "metroplan"
    verbose_name = "metroplan"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from metroplan import db, security

        user_logged_in.connect(security.shorten_staff_sessions, dispatch_uid="metroplan-staff-session-age")

        db.register_lookups()
        connection_created.connect(db.install_timestamp_loader, dispatch_uid="metroplan-timestamp-loader")
