"""A real OpenID Connect provider for the tests (django-oauth-toolkit with
OIDC enabled), run as its own process on a free 127.0.0.1 port with its own
settings and SQLite database: see tests/sign_in/conftest.py."""
