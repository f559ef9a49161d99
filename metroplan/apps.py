from django.apps import AppConfig
from django.db.backends.signals import connection_created


class MetroplanConfig(AppConfig):
    name = "metroplan"
    verbose_name = "metroplan"

    def ready(self):
        from django.core.signals import request_finished

        from metroplan import db, timezones
        from metroplan.logging import end_of_request

        db.register_lookups()
        connection_created.connect(db.install_timestamp_loader, dispatch_uid="metroplan-timestamp-loader")
        connection_created.connect(timezones.install_sqlite_functions, dispatch_uid="metroplan-sqlite-functions")
        request_finished.connect(end_of_request, dispatch_uid="metroplan-request-id-end")
