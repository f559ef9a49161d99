"""The site's e-mail backend: the one EMAIL_BACKEND names (SMTP, the console,
or an API-based provider through django-anymail), counted for /metrics.

settings.EMAIL_BACKEND is this class; settings.EMAIL_DELIVERY_BACKEND is the
backend that delivers (the EMAIL_BACKEND environment variable).
"""

from django.conf import settings
from django.core.mail import get_connection
from django.core.mail.backends.base import BaseEmailBackend

from metroplan.metrics import EMAIL_FAILURES, EMAILS_SENT


class MeteredEmailBackend(BaseEmailBackend):
    """Hands every message to the delivery backend and counts what it sent."""

    def __init__(self, fail_silently=False, **kwargs):
        super().__init__(fail_silently=fail_silently)
        self.delivery = get_connection(settings.EMAIL_DELIVERY_BACKEND, fail_silently=fail_silently, **kwargs)

    def open(self):
        return self.delivery.open()

    def close(self):
        return self.delivery.close()

    def send_messages(self, email_messages):
        try:
            sent = self.delivery.send_messages(email_messages)
        except Exception:
            EMAIL_FAILURES.inc()
            raise
        EMAILS_SENT.inc(sent or 0)
        return sent
