"""Pointing the test process's Celery app at another broker."""

from django.conf import settings

from metroplan.celery import app


def use_broker(url: str | None = None) -> None:
    """Point the Celery app at `url` (the configured broker when None), dropping
    the connections it pooled."""
    app.conf.broker_url = url or settings.CELERY_BROKER_URL
    app._pool = None  # celery caches its connection and producer pools (app._after_fork does the same)
    if "amqp" in app.__dict__:
        app.amqp._producer_pool = None
