"""Run the test provider: migrate its database, create the users and the
client the test describes (OIDC_PROVIDER_SETUP, JSON), then serve on
127.0.0.1:OIDC_PROVIDER_PORT until terminated.

    {"users": [{"username", "password", "email", "first_name", "last_name"}],
     "client": {"client_id", "client_secret", "redirect_uris": [...]}}
"""

import json
import os
import socketserver
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oidc_provider.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth.models import User  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.core.servers.basehttp import WSGIRequestHandler, WSGIServer  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402
from oauth2_provider.models import Application  # noqa: E402


class QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):
        pass


def main() -> None:
    setup = json.loads(os.environ["OIDC_PROVIDER_SETUP"])
    call_command("migrate", verbosity=0, interactive=False)
    for person in setup["users"]:
        user = User(username=person["username"], email=person["email"],
                    first_name=person.get("first_name", ""), last_name=person.get("last_name", ""))
        user.set_password(person["password"])
        user.save()
    client = setup["client"]
    Application.objects.create(
        name="metroplan", client_id=client["client_id"], client_secret=client["client_secret"],
        client_type=Application.CLIENT_CONFIDENTIAL, authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris=" ".join(client["redirect_uris"]), algorithm=Application.RS256_ALGORITHM,
        skip_authorization=True,
    )
    server_class = type("ThreadingServer", (socketserver.ThreadingMixIn, WSGIServer), {"daemon_threads": True})
    server = server_class(("127.0.0.1", int(os.environ["OIDC_PROVIDER_PORT"])), QuietHandler)
    server.set_app(get_wsgi_application())
    server.serve_forever()


if __name__ == "__main__":
    main()
