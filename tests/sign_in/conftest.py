"""A real OpenID Connect provider on loopback for the sign-in tests.

`oidc_provider` starts tests/sign_in/oidc_provider (django-oauth-toolkit with
OIDC enabled: discovery, authorization with PKCE, tokens, ID tokens signed
with an RSA key made for this run, userinfo) as its own process on a free
127.0.0.1 port, with its own SQLite database in a temporary directory, and
points the site at it the way an operator would: through the SSO_*
variables, read by metroplan.sign_in_providers.
"""

import json
import os
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from metroplan.sign_in_providers import sign_in_providers
from metroplan.testing.servers import free_port

SERVE = Path(__file__).resolve().parent / "oidc_provider" / "serve.py"
PROVIDER_ID = "workplace"
PROVIDER_NAME = "Workplace ID"
CLIENT_ID = "metroplan-test-client"
CLIENT_SECRET = "metroplan-test-secret-not-secret"
PROVIDER_PASSWORD = "provider-password"


@dataclass
class Person:
    username: str
    email: str
    first_name: str = ""
    last_name: str = ""


PEOPLE = [
    Person("ana", "ana.garcia@bcn.cat", "Ana", "García"),
    Person("jordi", "jordi.puig@bcn.cat", "Jordi", "Puig"),
    Person("mallory", "mallory@unmapped.example", "Mallory", "Example"),
]


@dataclass
class Provider:
    url: str
    id: str = PROVIDER_ID
    name: str = PROVIDER_NAME
    password: str = PROVIDER_PASSWORD


def rsa_private_key_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            return response.status == 200
    except OSError:
        return False


@pytest.fixture
def oidc_provider(live_server, tmp_path, settings):
    port = free_port()
    url = f"http://127.0.0.1:{port}/o"
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "SSO_"))},
        "OIDC_PROVIDER_DB": str(tmp_path / "provider.sqlite3"),
        "OIDC_PROVIDER_RSA_KEY": rsa_private_key_pem(),
        "OIDC_PROVIDER_PORT": str(port),
        "OIDC_PROVIDER_SETUP": json.dumps({
            "users": [{**person.__dict__, "password": PROVIDER_PASSWORD} for person in PEOPLE],
            "client": {
                "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET,
                "redirect_uris": [f"{live_server.url}/accounts/oidc/{PROVIDER_ID}/login/callback/"],
            },
        }),
    }
    log = open(tmp_path / "provider.log", "w")  # noqa: SIM115 - closed below
    process = subprocess.Popen([sys.executable, str(SERVE)], env=environment, cwd=tmp_path, stdout=log,
                               stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while not _answers(f"{url}/.well-known/openid-configuration"):
            if process.poll() is not None or time.monotonic() > deadline:
                log.flush()
                log_text = (tmp_path / "provider.log").read_text()
                pytest.fail(f"The test OpenID Connect provider did not start:\n{log_text}")
            time.sleep(0.2)
        # The site, configured as an operator would configure it.
        settings.SOCIALACCOUNT_PROVIDERS = sign_in_providers({
            "SSO_PROVIDERS": PROVIDER_ID,
            f"SSO_{PROVIDER_ID.upper()}_PROTOCOL": "oidc",
            f"SSO_{PROVIDER_ID.upper()}_NAME": PROVIDER_NAME,
            f"SSO_{PROVIDER_ID.upper()}_DISCOVERY_URL": url,
            f"SSO_{PROVIDER_ID.upper()}_CLIENT_ID": CLIENT_ID,
            f"SSO_{PROVIDER_ID.upper()}_CLIENT_SECRET": CLIENT_SECRET,
        })
        yield Provider(url=url)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
