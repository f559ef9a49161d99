"""The production settings, as the load and fault runs use them.

One difference: static files are served from the source tree's finders through
the plain storage, so a run needs no `collectstatic` (the load requests no static
file; the image's collectstatic with DEBUG off is a step of its own in CI).
"""

from metroplan.settings import *  # noqa: F403
from metroplan.settings import STORAGES

STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
