"""Walk every route of the URL configuration (site and API) for every caller
and method, and say what each answered, as a status class."""

import copy
from dataclasses import dataclass

from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver

METHODS = ("get", "post", "put", "patch", "delete")
ACTORS = ("anonymous", "focal_a", "focal_b", "read_token", "write_token_a", "staff")


@dataclass(frozen=True)
class Route:
    """One route: its full pattern text and name (namespaced, e.g. api:update-detail)."""

    pattern: str
    name: str


def routes(resolver=None, prefix: str = "", namespace: str = ""):
    """Every concrete route, depth first, in URLconf order."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        text = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from routes(entry, text, ns)
        elif isinstance(entry, URLPattern):
            yield Route(text, f"{namespace}{entry.name}" if entry.name else "")


def status_class(code: int) -> str:
    """2xx and 3xx as classes; client errors by their code, where the code is the answer."""
    if code < 300:
        return "2xx"
    if code < 400:
        return "3xx"
    return str(code)


def answer(clients, actor: str, method: str, path: str) -> str:
    """The status class `actor` gets for `method path`, with an empty JSON body
    for writes; nothing it does is kept (the request runs in a savepoint that is
    rolled back), so every request sees the same data."""
    client = clients[actor]
    kwargs = {"content_type": "application/json", "data": "{}"} if method != "get" else {}
    cookies = copy.deepcopy(client.cookies)  # a sign-out's new session cookie is undone with the rest
    with transaction.atomic():
        response = getattr(client, method)(path, **kwargs)
        transaction.set_rollback(True)
    client.cookies = cookies
    return status_class(response.status_code)
