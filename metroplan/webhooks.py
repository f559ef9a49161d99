"""Webhooks: every change of the change feed (metroplan.changes), pushed to
the receivers staff registered (metroplan.models.Webhook).

- A change writes one WebhookDelivery per matching webhook and an outbox
  message in the change's own transaction: nothing is sent for a change that
  rolled back, and nothing is lost when the broker is away.
- A Celery worker POSTs it (`webhook_deliver`); the user's request never waits
  for a receiver. A receiver that does not answer 2xx is tried again with
  exponential backoff (WEBHOOK_FIRST_RETRY_SECONDS, doubling, at most
  WEBHOOK_MAX_RETRY_SECONDS apart) for WEBHOOK_RETRY_FOR_SECONDS (a day);
  then the delivery is failed. Staff read the log in the admin and replay.
- The body is JSON: {"id", "event", "change"} where "change" is the feed's
  entry. It is signed:

      X-Metroplan-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>." + body)>

  A receiver recomputes the HMAC over the timestamp, a dot and the raw body,
  compares in constant time, and refuses old timestamps (docs/api.md).
- Only http(s) URLs; a host that resolves to a loopback, private, link-local
  or otherwise non-public address is refused, at registration and again at
  each delivery, unless WEBHOOK_ALLOWED_NETWORKS lists its network.
"""

import hashlib
import hmac
import ipaddress
import json
import logging
import socket
import time
from datetime import timedelta
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from metroplan.models import Change, Webhook, WebhookDelivery
from metroplan.outbox import outbox_enqueue

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Metroplan-Signature"
EVENT_HEADER = "X-Metroplan-Event"
DELIVERY_HEADER = "X-Metroplan-Delivery"
DELIVER_TASK = "metroplan.tasks.deliver_webhook"
State = WebhookDelivery.State


def _seconds(name: str, default: int) -> timedelta:
    return timedelta(seconds=getattr(settings, name, default))


def first_retry() -> timedelta:
    return _seconds("WEBHOOK_FIRST_RETRY_SECONDS", 30)


def max_retry() -> timedelta:
    return _seconds("WEBHOOK_MAX_RETRY_SECONDS", 2 * 60 * 60)


def retry_for() -> timedelta:
    return _seconds("WEBHOOK_RETRY_FOR_SECONDS", 24 * 60 * 60)


# A worker that claimed a delivery holds it this long (longer than the request's timeout).
LEASE = timedelta(seconds=60)
TIMEOUT = (3.05, 10)  # connect, read


# --- signing ----------------------------------------------------------------------


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The hex HMAC-SHA256 of "<timestamp>." + body under `secret`."""
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def signature_header(secret: str, timestamp: int, body: bytes) -> str:
    return f"t={timestamp},v1={signature(secret, timestamp, body)}"


# --- what may be registered ---------------------------------------------------------


def event_name(change: Change) -> str:
    return f"{change.object_type}.{change.kind}"


def known_event_types() -> list[str]:
    from metroplan.changes import tracked_types

    types = tracked_types()
    return ["*", *[f"{t}.*" for t in types], *[f"{t}.{kind}" for t in types for kind in Change.Kind.values]]


def validate_event_types(values) -> None:
    if not isinstance(values, list) or not all(isinstance(value, str) for value in values):
        raise ValidationError({"event_types": _("Give a list of event types.")})
    unknown = sorted(set(values) - set(known_event_types()))
    if unknown:
        raise ValidationError(
            {"event_types": _("Unknown event types: %(unknown)s. Choose from: %(known)s.")
             % {"unknown": ", ".join(unknown), "known": ", ".join(known_event_types())}}
        )


def _allowed_networks():
    return [ipaddress.ip_network(value, strict=False) for value in getattr(settings, "WEBHOOK_ALLOWED_NETWORKS", [])]


def url_problem(url: str) -> str | None:
    """Why `url` may not receive webhooks, or None: not http(s), no host, a
    host that does not resolve, or one that resolves to an address that is not
    public (unless WEBHOOK_ALLOWED_NETWORKS allows it)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return _("Give an http or https URL.")
    if not parts.hostname:
        return _("Give the receiver's host name.")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        addresses = {info[4][0] for info in socket.getaddrinfo(parts.hostname, port, proto=socket.IPPROTO_TCP)}
    except (OSError, ValueError, UnicodeError):
        return _("The host %(host)s cannot be found.") % {"host": parts.hostname}
    allowed = _allowed_networks()
    for address in addresses:
        ip = ipaddress.ip_address(address.split("%")[0])
        if ip.is_global and not ip.is_multicast:
            continue
        if any(ip in network for network in allowed):
            continue
        return _("The host %(host)s is at a loopback, private or reserved address (%(ip)s): webhooks go to public "
                 "addresses only.") % {"host": parts.hostname, "ip": ip}
    return None


def validate_url(url: str) -> None:
    problem = url_problem(url)
    if problem:
        raise ValidationError({"url": problem})


def _matches(event_types: list[str], event: str) -> bool:
    if not event_types:
        return True
    kind_any = event.split(".")[0] + ".*"
    return any(wanted in ("*", event, kind_any) for wanted in event_types)


# --- queueing -------------------------------------------------------------------------


def listening_webhooks():
    """The webhooks a change may be sent to (each then filters by event and audience)."""
    return Webhook.objects.filter(active=True)


def webhooks_enqueue(change: Change, *, webhooks: list[dict] | None = None) -> int:
    """For each active webhook that wants `change`: a delivery and its outbox
    message, in the caller's transaction (metroplan.changes calls it with each
    change it records, with what listening_webhooks() gave as it inserted
    the change: {"id", "event_types", "include_private"}). Returns how many."""
    event = event_name(change)
    if webhooks is None:
        webhooks = list(listening_webhooks().values("id", "event_types", "include_private"))
    queued = 0
    for webhook in webhooks:
        if not _matches(webhook["event_types"], event) or not (change.public or webhook["include_private"]):
            continue
        delivery = WebhookDelivery.objects.create(
            webhook_id=webhook["id"], change=change, event=event, next_attempt_at=timezone.now()
        )
        outbox_enqueue(DELIVER_TASK, delivery_id=delivery.pk)
        queued += 1
    return queued


def delivery_replay(*, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a delivery again (staff, from the log): back to pending, due now,
    with a fresh day of retries."""
    with transaction.atomic():
        now = timezone.now()
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            state=State.PENDING, next_attempt_at=now, created=now, delivered_at=None
        )
        outbox_enqueue(DELIVER_TASK, delivery_id=delivery.pk)
    delivery.refresh_from_db()
    return delivery


def webhooks_retry_due(*, now=None) -> int:
    """Queue the deliveries whose next attempt is due (beat: "webhooks: retry")."""
    now = now or timezone.now()
    ids = list(
        WebhookDelivery.objects.filter(state=State.PENDING, next_attempt_at__lte=now).values_list("pk", flat=True)[:500]
    )
    with transaction.atomic():
        for delivery_id in ids:
            outbox_enqueue(DELIVER_TASK, delivery_id=delivery_id)
    return len(ids)


# --- sending ----------------------------------------------------------------------------


def delivery_body(delivery: WebhookDelivery) -> bytes:
    """The JSON a receiver gets: the delivery's id, its event, and the change
    as the feed shows it (one shape: metroplan.api.changes.ChangeSerializer)."""
    from metroplan.api.changes import ChangeSerializer

    data = {"id": delivery.pk, "event": delivery.event, "change": ChangeSerializer(delivery.change).data}
    return json.dumps(data, separators=(",", ":"), sort_keys=True).encode()


def backoff(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failed attempt: doubling, capped."""
    return min(first_retry() * (2 ** max(attempts - 1, 0)), max_retry())


def webhook_deliver(*, delivery_id: int, now=None) -> str | None:
    """One attempt at one delivery, if it is due and nobody else holds it.
    Returns its state afterwards, or None when there was nothing to do."""
    now = now or timezone.now()
    claimed = WebhookDelivery.objects.filter(
        pk=delivery_id, state=State.PENDING, next_attempt_at__lte=now
    ).update(next_attempt_at=now + LEASE)
    if not claimed:
        return None
    delivery = WebhookDelivery.objects.select_related("webhook", "change").get(pk=delivery_id)
    webhook = delivery.webhook
    status, error = None, ""
    problem = url_problem(webhook.url)
    if problem:
        error = problem
    elif not webhook.active:
        error = _("The webhook is switched off.")
    else:
        body = delivery_body(delivery)
        timestamp = int(time.time())
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "metroplan-webhooks/1",
            SIGNATURE_HEADER: signature_header(webhook.secret, timestamp, body),
            EVENT_HEADER: delivery.event,
            DELIVERY_HEADER: str(delivery.pk),
        }
        try:
            response = requests.post(webhook.url, data=body, headers=headers, timeout=TIMEOUT, allow_redirects=False)
            status = response.status_code
            if not 200 <= status < 300:
                error = _("The receiver answered %(status)s.") % {"status": status}
        except requests.RequestException as exc:
            error = f"{type(exc).__name__}: {exc}"[:2000]
    finished = timezone.now()
    fields = {"attempts": delivery.attempts + 1, "last_attempt_at": finished, "last_status": status,
              "last_error": error}
    if not error:
        fields.update(state=State.DELIVERED, delivered_at=finished, next_attempt_at=None)
    elif now - delivery.created >= retry_for():
        fields.update(state=State.FAILED, next_attempt_at=None)
    else:
        fields.update(next_attempt_at=now + backoff(delivery.attempts + 1))
    WebhookDelivery.objects.filter(pk=delivery_id).update(**fields)
    if error:
        logger.warning("Webhook delivery %s to %s: %s", delivery_id, webhook.url, error)
    return fields.get("state", State.PENDING)
