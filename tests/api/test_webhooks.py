"""Webhooks (metroplan.webhooks): staff register a receiver; every matching
change is POSTed as signed JSON by a worker after commit, retried with
exponential backoff for a day, and logged where staff can replay it."""

import json
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as crypto_hmac
from django.core.exceptions import ValidationError
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from metroplan.models import OutboxMessage, Webhook, WebhookDelivery
from metroplan.webhooks import webhook_deliver, webhooks_retry_due

SECRET = "s3cret-shared-with-the-receiver"


class Receiver:
    """An HTTP receiver on 127.0.0.1 that answers 500 `failures` times, then 204."""

    def __init__(self, failures: int = 2):
        self.failures = failures
        self.requests: list[dict] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append({"headers": dict(self.headers), "body": body})
                failing = len(receiver.requests) <= receiver.failures
                self.send_response(500 if failing else 204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    server = Receiver(failures=2)
    yield server
    server.close()


def independent_verify(secret: str, header: str, body: bytes, *, now: float, tolerance: int = 300) -> bool:
    """A receiver's check, written from the documented scheme with another
    library (cryptography's HMAC, not the hmac module the site signs with)."""
    parts = dict(item.split("=", 1) for item in header.split(","))
    timestamp = int(parts["t"])
    if abs(now - timestamp) > tolerance:
        return False
    mac = crypto_hmac.HMAC(secret.encode(), hashes.SHA256())
    mac.update(str(timestamp).encode() + b"." + body)
    try:
        mac.verify(bytes.fromhex(parts["v1"]))
    except Exception:  # noqa: BLE001 - InvalidSignature
        return False
    return True


def make_hook(url, **kwargs):
    hook = Webhook(url=url, secret=SECRET, **kwargs)
    hook.full_clean()
    hook.save()
    return hook


def test_a_change_is_delivered_signed_after_two_failures(world, staff_api, receiver):
    make_hook(receiver.url, event_types=["goal.*"])
    goal = staff_api.get("/api/v1/goals/2/")
    response = staff_api.patch("/api/v1/goals/2/", {"title_en": "Climate action"}, format="json",
                               HTTP_IF_MATCH=goal["ETag"])
    assert response.status_code == 200
    # The user's request never waited for the receiver: a delivery and its outbox message wait for a worker.
    assert receiver.requests == []
    delivery = WebhookDelivery.objects.get()
    assert delivery.state == "pending" and delivery.event == "goal.updated"
    assert OutboxMessage.objects.filter(task="metroplan.tasks.deliver_webhook",
                                        kwargs={"delivery_id": delivery.pk}).exists()

    start = timezone.now()
    assert webhook_deliver(delivery_id=delivery.pk, now=start) == "pending"
    delivery.refresh_from_db()
    assert (delivery.attempts, delivery.last_status) == (1, 500)
    first_wait = delivery.next_attempt_at - start
    # Not due yet: nothing is sent.
    assert webhook_deliver(delivery_id=delivery.pk, now=start + timedelta(seconds=1)) is None
    second = start + first_wait
    assert webhooks_retry_due(now=second) == 1
    assert webhook_deliver(delivery_id=delivery.pk, now=second) == "pending"
    delivery.refresh_from_db()
    assert delivery.next_attempt_at - second == 2 * first_wait  # exponential
    third = delivery.next_attempt_at
    assert webhook_deliver(delivery_id=delivery.pk, now=third) == "delivered"
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.last_status) == ("delivered", 3, 204)

    assert len(receiver.requests) == 3
    for request in receiver.requests:
        headers = request["headers"]
        assert independent_verify(SECRET, headers["X-Metroplan-Signature"], request["body"], now=time.time())
        assert not independent_verify("another secret", headers["X-Metroplan-Signature"], request["body"],
                                      now=time.time())
        assert not independent_verify(SECRET, headers["X-Metroplan-Signature"], request["body"] + b" ",
                                      now=time.time())
        assert headers["X-Metroplan-Event"] == "goal.updated"
        assert headers["Content-Type"] == "application/json"
    body = json.loads(receiver.requests[-1]["body"])
    assert body["event"] == "goal.updated" and body["id"] == delivery.pk
    assert body["change"]["key"] == "2" and body["change"]["state"]["title_en"] == "Climate action"
    # The same entry as the change feed's.
    feed = staff_api.get("/api/v1/changes/", {"page_size": 1000}).json()["results"]
    assert body["change"] == feed[-1]


def test_retries_stop_after_a_day_and_staff_replay_from_the_log(world, receiver):
    receiver.failures = 1000
    make_hook(receiver.url)
    world.goal1.title_en = "Governance and finance"
    world.goal1.save()
    delivery = WebhookDelivery.objects.get(event="goal.updated")
    moment = delivery.created
    waits = []
    while webhook_deliver(delivery_id=delivery.pk, now=moment) == "pending":
        delivery.refresh_from_db()
        waits.append(delivery.next_attempt_at - moment)
        moment = delivery.next_attempt_at
        assert len(waits) < 100
    delivery.refresh_from_db()
    assert delivery.state == "failed"
    assert moment - delivery.created >= timedelta(days=1)
    assert waits == sorted(waits) and waits[1] == 2 * waits[0]
    assert max(waits) <= timedelta(hours=2)

    from metroplan.webhooks import delivery_replay

    receiver.failures = 0
    delivery_replay(delivery=delivery)
    assert webhook_deliver(delivery_id=delivery.pk) == "delivered"


def test_only_public_changes_unless_the_hook_includes_private_ones(world, receiver):
    public = make_hook(receiver.url, event_types=["update.*"])
    private = make_hook(receiver.url + "?all", event_types=["update.*"], include_private=True)
    world.draft_a.narrative = "A draft"
    world.draft_a.save()
    assert not WebhookDelivery.objects.filter(webhook=public).exists()
    assert WebhookDelivery.objects.filter(webhook=private, event="update.updated").count() == 1


def test_event_types_filter_what_is_sent(world, receiver):
    make_hook(receiver.url, event_types=["member.created"])
    world.goal1.title_en = "Renamed"
    world.goal1.save()
    assert not WebhookDelivery.objects.exists()
    from metroplan.testing import factories as f

    f.MemberFactory(slug="new-member")
    assert list(WebhookDelivery.objects.values_list("event", flat=True)) == ["member.created"]


def test_a_change_that_rolls_back_sends_nothing(world, receiver):
    make_hook(receiver.url)
    with pytest.raises(RuntimeError), transaction.atomic():
        world.goal1.title_en = "Never"
        world.goal1.save()
        raise RuntimeError
    assert not WebhookDelivery.objects.exists()
    assert not OutboxMessage.objects.filter(task="metroplan.tasks.deliver_webhook").exists()


@pytest.mark.parametrize("url", ["ftp://example.org/hook", "http://127.0.0.1:9/hook", "http://10.1.2.3/hook",
                                 "http://169.254.169.254/latest", "http://[::1]/hook", "http://192.168.0.1/",
                                 "https://no-such-host.invalid/hook", "javascript:alert(1)"])
def test_only_http_urls_at_public_addresses(db, url):
    with override_settings(WEBHOOK_ALLOWED_NETWORKS=[]), pytest.raises(ValidationError) as raised:
        Webhook(url=url, secret=SECRET).full_clean()
    assert "url" in raised.value.message_dict


def test_loopback_is_allowed_when_the_setting_lists_it(db):
    with override_settings(WEBHOOK_ALLOWED_NETWORKS=["127.0.0.0/8"]):
        Webhook(url="http://127.0.0.1:8080/hook", secret=SECRET).full_clean()


def test_unknown_event_types_are_refused(db):
    with pytest.raises(ValidationError) as raised:
        Webhook(url="http://127.0.0.1/", secret=SECRET, event_types=["goal.renamed"]).full_clean()
    assert "event_types" in raised.value.message_dict


def test_a_receiver_that_became_private_is_not_contacted(world, receiver):
    make_hook(receiver.url)
    world.goal1.title_en = "Renamed"
    world.goal1.save()
    delivery = WebhookDelivery.objects.get()
    with override_settings(WEBHOOK_ALLOWED_NETWORKS=[]):
        assert webhook_deliver(delivery_id=delivery.pk) == "pending"
    delivery.refresh_from_db()
    assert "loopback" in delivery.last_error and receiver.requests == []


def test_staff_read_the_delivery_log_and_replay_in_the_admin(world, client, cast, receiver):
    make_hook(receiver.url)
    world.goal1.title_en = "Renamed"
    world.goal1.save()
    delivery = WebhookDelivery.objects.get()
    WebhookDelivery.objects.filter(pk=delivery.pk).update(state="failed", last_error="The receiver answered 500.")
    client.force_login(cast.staff)
    page = client.get("/admin/metroplan/webhookdelivery/")
    assert page.status_code == 200 and b"goal.updated" in page.content
    response = client.post("/admin/metroplan/webhookdelivery/",
                           {"action": "replay", "_selected_action": [delivery.pk]})
    assert response.status_code == 302
    delivery.refresh_from_db()
    assert delivery.state == "pending"
    assert client.get("/admin/metroplan/webhook/add/").status_code == 200


def test_the_documented_receiver_accepts_the_sites_signature_and_nothing_else():
    """docs/api.md's verification snippet, run as written against what the site sends."""
    import re
    from pathlib import Path

    from metroplan.webhooks import signature_header

    docs = Path(__file__).resolve().parents[2] / "docs" / "api.md"
    block = next(b for b in re.findall(r"```python\n(.*?)```", docs.read_text(), re.S) if "def verified" in b)
    namespace: dict = {}
    exec(block.split("class Receiver")[0], namespace)  # noqa: S102 - our own documentation
    secret = namespace["SECRET"].decode()
    body = b'{"id":1,"event":"goal.updated"}'
    header = signature_header(secret, int(time.time()), body)
    assert namespace["verified"](header, body)
    assert not namespace["verified"](header, body + b"x")
    assert not namespace["verified"](signature_header(secret, int(time.time()) - 3600, body), body)
