"""The test cast, shared by every app's tests: staff, a focal point of member A,
a focal point of member B, an integrator with a read token, and anonymous."""

import os
from dataclasses import dataclass

import pytest

from members.models import ApiToken
from metroplan.testing import factories as f
from metroplan.testing.celery import use_broker


@dataclass
class Cast:
    staff: object
    member_a: object
    member_b: object
    focal_a: object
    focal_b: object
    integrator: object
    read_key: str
    write_key_staff: str
    write_key_a: str


@pytest.fixture
def cast(db) -> Cast:
    member_a = f.MemberFactory(slug="member-a", name="Member A")
    member_b = f.MemberFactory(slug="member-b", name="Member B")
    focal_a = f.FocalPointFactory(user=f.UserFactory(username="focal-a"), member=member_a).user
    focal_b = f.FocalPointFactory(user=f.UserFactory(username="focal-b"), member=member_b).user
    staff = f.StaffFactory(username="staff")
    integrator = f.UserFactory(username="integrator")
    _, read_key = f.make_token(integrator, scope=ApiToken.Scope.READ)
    _, write_key_staff = f.make_token(staff, scope=ApiToken.Scope.WRITE)
    _, write_key_a = f.make_token(focal_a, scope=ApiToken.Scope.WRITE)
    return Cast(staff, member_a, member_b, focal_a, focal_b, integrator, read_key, write_key_staff, write_key_a)


@pytest.fixture
def browser():
    """Debian's Chromium driven by Playwright. Skips when Chromium is not
    installed, unless METROPLAN_REQUIRE_BROWSER is set (CI), where it fails."""
    chromium_path = "/usr/bin/chromium"
    if not os.path.exists(chromium_path):
        if os.environ.get("METROPLAN_REQUIRE_BROWSER"):
            pytest.fail("Chromium is required (apt-get install chromium) but /usr/bin/chromium is missing")
        pytest.skip("Chromium is not installed (apt-get install -y chromium)")
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=chromium_path,
            args=[
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--no-first-run", "--disable-quic", "--disable-sync",
            ],
        )
        yield instance
        instance.close()


@pytest.fixture
def celery_eager():
    """Tasks run in-process when the outbox relays them (after commit)."""
    from metroplan.celery import app

    saved = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = saved


@pytest.fixture
def celery_broker_down():
    """The broker is a closed port on this machine: every publish fails at once."""
    from django.conf import settings

    from metroplan.celery import app

    saved = app.conf.broker_url, app.conf.task_always_eager, app.conf.broker_transport_options
    app.conf.task_always_eager = False
    app.conf.broker_transport_options = settings.REDIS_BROKER_TRANSPORT_OPTIONS
    use_broker("redis://127.0.0.1:1/0")
    yield
    app.conf.task_always_eager, app.conf.broker_transport_options = saved[1], saved[2]
    use_broker(saved[0])


@pytest.fixture(autouse=True)
def _forced_logins_pass_the_second_factor(monkeypatch):
    """`client.force_login(user)` stands for a complete sign-in, second factor
    included (staff need one: metroplan.second_factor). Tests of the second
    factor sign in through the login page instead."""
    from django.test import Client

    from metroplan.testing.second_factor import client_passes_second_factor

    force_login = Client.force_login

    def force_login_with_second_factor(self, user, backend=None):
        force_login(self, user, backend)
        client_passes_second_factor(self, user)

    monkeypatch.setattr(Client, "force_login", force_login_with_second_factor)
    monkeypatch.setattr(Client, "force_login_without_second_factor", force_login, raising=False)


@pytest.fixture(autouse=True)
def _english_between_tests():
    """Each test starts in English: a request activates its language for the
    thread (LocaleMiddleware) and nothing resets it, so a French request would
    otherwise leak into the next test (a factory's `title` written as title_fr)."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def one_quarter_hour(monkeypatch):
    """The figures of now are cached per quarter of an hour (UTC; see
    reporting.figures.engine._quarter_hour): two requests on either side of
    one compute them twice, by design. Tests that compare the queries of
    requests made over several seconds (cold, warm, before and after growing
    the data) keep to the quarter they started in."""
    from reporting.figures import engine

    pinned = engine._quarter_hour(None)
    monkeypatch.setattr(engine, "_quarter_hour", lambda as_of: "" if as_of is not None else pinned)
