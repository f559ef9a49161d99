from django.apps import AppConfig


class MetroplanConfig(AppConfig):
    name = "metroplan"
    verbose_name = "metroplan"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from metroplan import security

        user_logged_in.connect(security.shorten_staff_sessions, dispatch_uid="metroplan-staff-session-age")
