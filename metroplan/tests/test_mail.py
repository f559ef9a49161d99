"""E-mail through any SMTP server (the default), or an API-based provider
through django-anymail when EMAIL_BACKEND names one, configured by ANYMAIL_*
variables; every message counted for /metrics on its way (metroplan/mail.py)."""

import os
import subprocess
import sys
from pathlib import Path

from django.core import mail

ROOT = Path(__file__).resolve().parents[2]
SHOW = ("from django.conf import settings; "
        "print(repr((settings.EMAIL_BACKEND, settings.EMAIL_DELIVERY_BACKEND, settings.ANYMAIL)))")


def settings_with(**env) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("ANYMAIL_", "EMAIL_")) and k != "DEBUG"}
    clean.update(env, DJANGO_SETTINGS_MODULE="metroplan.settings", SECRET_KEY="s3cret-value")
    return subprocess.run([sys.executable, "-c", SHOW], cwd=ROOT, env=clean, capture_output=True, text=True)


def test_an_anymail_provider_and_its_settings_come_from_the_environment():
    result = settings_with(
        EMAIL_BACKEND="anymail.backends.mailgun.EmailBackend", ANYMAIL_MAILGUN_API_KEY="key-123",
        ANYMAIL_MAILGUN_SENDER_DOMAIN="mg.example.org", ANYMAIL_IGNORE_UNSUPPORTED_FEATURES="true",
    )
    assert result.returncode == 0, result.stderr
    assert eval(result.stdout) == (  # noqa: S307 - our own repr
        "metroplan.mail.MeteredEmailBackend", "anymail.backends.mailgun.EmailBackend",
        {"MAILGUN_API_KEY": "key-123", "MAILGUN_SENDER_DOMAIN": "mg.example.org", "IGNORE_UNSUPPORTED_FEATURES": True},
    )
    smtp = settings_with()
    assert eval(smtp.stdout)[1:] == ("django.core.mail.backends.smtp.EmailBackend", {})  # noqa: S307


def test_a_backend_that_cannot_be_imported_stops_the_process_naming_the_variable():
    result = settings_with(EMAIL_BACKEND="anymail.backends.no_such_provider.EmailBackend")
    assert result.returncode != 0
    assert "EMAIL_BACKEND must be the dotted path of a class" in result.stderr


def test_a_message_goes_through_anymails_test_backend(settings):
    settings.EMAIL_BACKEND = "metroplan.mail.MeteredEmailBackend"
    settings.EMAIL_DELIVERY_BACKEND = "anymail.backends.test.EmailBackend"
    settings.ANYMAIL = {"TEST_SAMPLE_SETTING": "x"}
    sent = mail.send_mail("Update approved", "Your update is approved.", "plan@example.org", ["fp@example.org"])
    assert sent == 1
    [message] = mail.outbox
    assert message.anymail_test_params["subject"] == "Update approved"  # what anymail would send the provider
    assert message.anymail_status.status == {"sent"}
