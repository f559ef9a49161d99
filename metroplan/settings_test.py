"""Test settings: the same settings module, with what a test run must not do
(send mail, wait on real hashing, leave files behind) switched off."""

import os
import tempfile

os.environ.setdefault("METROPLAN_TESTING", "1")

from metroplan.settings import *  # noqa: E402,F403
from metroplan.settings import REST_FRAMEWORK  # noqa: E402

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"  # pytest-django sets it anyway
EMAIL_DELIVERY_BACKEND = EMAIL_BACKEND
MEDIA_ROOT = tempfile.mkdtemp(prefix="metroplan-test-media-")
STATIC_ROOT = tempfile.mkdtemp(prefix="metroplan-test-static-")
AXES_ENABLED = False
OUTBOX_BACKOFF_SECONDS = 0  # each test relays after commit; the back-off has its own test
REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_THROTTLE_RATES": {"token": "100000/hour", "anonymous": "100000/hour", "failed_token": "100000/hour"},
}
WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.0/8", "::1/128"]  # the tests' receivers listen on loopback
