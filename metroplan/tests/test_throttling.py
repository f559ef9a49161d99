"""Throttling fails open when the cache does not answer: the API keeps working
(with a log line) instead of answering 500."""

import pytest
from django.conf import settings as django_settings
from rest_framework.test import APIClient

from metroplan.testing import factories as f

pytestmark = pytest.mark.django_db


def test_a_cache_that_does_not_answer_lets_api_requests_through_with_a_log_line(cast, settings, caplog):
    f.PlanFactory()
    settings.CACHES = {"default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": django_settings.REDIS_CACHE_OPTIONS,
    }}
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {cast.read_key}")
    assert api.get("/api/v1/plans/").status_code == 200
    assert APIClient().get("/api/v1/plans/").status_code == 401  # anonymous: throttle skipped, still refused
    assert "Throttle 'token' not applied: the cache does not answer" in caplog.text
    assert "Throttle 'anonymous' not applied" in caplog.text
