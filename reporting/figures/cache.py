"""The figures cache: a computed result is kept under the figures version, a
token that every change to an input of the figures replaces in the change's
own transaction (signals.py). A reader that sees the new data sees the new
token, so it never reads figures computed from older data; a token is random,
so a rolled-back change or a restored database cannot bring an old entry back.

The cache is a speed-up only: when it is down, slow to answer or holds
nothing, the figures are computed. In front of it, each process keeps the last
few results it read or computed (under the same keys, so the same guarantee):
a repeated page then costs one query, the version, and no unpickling. Readers
treat a result as read-only.
"""

from __future__ import annotations

import logging
import uuid
from collections import OrderedDict

from django.core.cache import caches
from django.db import transaction
from django.utils import translation

from metroplan.changes import lock_write_order
from reporting.models import FiguresVersion

logger = logging.getLogger(__name__)

TIMEOUT = 60 * 60
CACHE_ALIAS = "default"
LOCAL_ENTRIES = 16

_local: OrderedDict[str, object] = OrderedDict()


def _remember(key: str, value) -> None:
    _local[key] = value
    _local.move_to_end(key)
    while len(_local) > LOCAL_ENTRIES:
        _local.popitem(last=False)


def current_version() -> str | None:
    """The token of the data the figures are computed from (None before any
    input was ever written: then nothing is cached)."""
    return FiguresVersion.objects.filter(pk=1).values_list("token", flat=True).first()


def bump(**_ignored) -> None:
    """A new token, written in the current transaction (a signal receiver too)."""
    token = uuid.uuid4().hex
    with transaction.atomic():
        lock_write_order()  # the change feed's lock first, as every writer takes them (no deadlock)
        if not FiguresVersion.objects.filter(pk=1).update(token=token):
            FiguresVersion.objects.update_or_create(pk=1, defaults={"token": token})


def cached_many(kind: str, ids: list, params: tuple, compute) -> dict:
    """{id: result} for `ids`: what the cache holds for the current inputs and
    language, and compute(missing ids) -> {id: result} for the rest."""
    version = current_version()
    if version is None:
        return compute(ids)
    suffix = ":".join(map(str, (*params, translation.get_language(), version)))
    keys = {f"figures:{kind}:{pk}:{suffix}": pk for pk in ids}
    result = {pk: _local[key] for key, pk in keys.items() if key in _local}
    shared = [key for key, pk in keys.items() if pk not in result]
    if shared:
        cache = caches[CACHE_ALIAS]
        try:
            hits = cache.get_many(shared)
        except Exception:  # the cache is a speed-up: down or broken, compute instead
            logger.warning("figures cache unavailable for reading", exc_info=True)
            hits = {}
        for key, value in hits.items():
            result[keys[key]] = value
            _remember(key, value)
    missing = [pk for pk in ids if pk not in result]
    if missing:
        computed = compute(missing)
        result.update(computed)
        fresh = {key: computed[pk] for key, pk in keys.items() if pk in computed}
        for key, value in fresh.items():
            _remember(key, value)
        try:
            caches[CACHE_ALIAS].set_many(fresh, TIMEOUT)
        except Exception:
            logger.warning("figures cache unavailable for writing", exc_info=True)
    return result
