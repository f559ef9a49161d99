from django.apps import AppConfig
from django.db.backends.signals import connection_created


class MetroplanConfig(AppConfig):
    name = "metroplan"
    verbose_name = "metroplan"

    def ready(self):
        from metroplan import db

        db.register_lookups()
        connection_created.connect(db.install_timestamp_loader, dispatch_uid="metroplan-timestamp-loader")
