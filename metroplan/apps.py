from django.apps import AppConfig
from django.db.backends.signals import connection_created


class MetroplanConfig(AppConfig):
    name = "metroplan"
    verbose_name = "metroplan"

    def ready(self):
        from allauth.mfa.signals import authenticator_added
        from django.contrib.auth.signals import user_logged_in
        from django.core.signals import request_finished
        from django.db.models.signals import post_save

        from metroplan import changes, second_factor, security, timezones
        from metroplan.db import install_timestamp_loader
        from metroplan.logging import end_of_request
        from metroplan.metrics import install_query_metrics

        user_logged_in.connect(security.shorten_staff_sessions, dispatch_uid="metroplan-staff-session-age")
        connection_created.connect(timezones.install_sqlite_functions, dispatch_uid="metroplan-sqlite-functions")
        request_finished.connect(end_of_request, dispatch_uid="metroplan-request-id-end")
        connection_created.connect(install_query_metrics, dispatch_uid="metroplan-query-metrics")
        connection_created.connect(install_timestamp_loader, dispatch_uid="metroplan-timestamp-loader")
        post_save.connect(changes.keep_modified, dispatch_uid="metroplan-keep-modified")
        authenticator_added.connect(second_factor.record_new_authenticator, dispatch_uid="metroplan-second-factor")
