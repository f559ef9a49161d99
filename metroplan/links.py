"""Links that leave the site: e-mails point at the exact page they are about."""

from django.conf import settings


def absolute_url(path: str) -> str:
    """`path` (from reverse()) on the site's public address, SITE_URL."""
    return f"{settings.SITE_URL.rstrip('/')}{path}"
