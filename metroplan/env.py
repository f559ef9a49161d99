"""Strict parsing of settings from environment variables.

A malformed value stops the process with ImproperlyConfigured instead of being
silently replaced by a default: a typo in production must be loud.
"""

import os

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str | None = None) -> str | None:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), got {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from exc


def env_choice(name: str, choices: tuple[str, ...], default: str) -> str:
    """One of `choices` (case-insensitive); anything else is an error."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().lower()
    if value not in choices:
        raise ImproperlyConfigured(f"{name} must be one of {', '.join(choices)}, got {raw!r}")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_networks(name: str, default: list[str]) -> list[str]:
    """Comma-separated IP addresses or networks (CIDR), each checked."""
    import ipaddress

    values = env_list(name, default)
    for value in values:
        try:
            ipaddress.ip_network(value, strict=False)
        except ValueError as exc:
            raise ImproperlyConfigured(f"{name} must list IP addresses or networks, got {value!r}") from exc
    return values


def env_float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return float(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a number, got {raw!r}") from exc


def env_backend(name: str, default: str) -> str:
    """A dotted path to a class whose module can be imported (checked now, not
    at the first use)."""
    import importlib.util

    value = (os.environ.get(name) or default).strip()
    module, _, cls = value.rpartition(".")
    try:
        found = bool(module) and importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        found = False
    if not found or not cls:
        raise ImproperlyConfigured(f"{name} must be the dotted path of a class that can be imported, got {value!r}")
    return value


def env_prefixed(prefix: str) -> dict:
    """Every variable named `<prefix><NAME>`, as {NAME: value}; the words
    true/false (yes/no, on/off) as booleans, anything else as written."""
    words = {"true": True, "yes": True, "on": True, "false": False, "no": False, "off": False}
    return {
        name[len(prefix):]: words.get(raw.strip().lower(), raw)
        for name, raw in os.environ.items()
        if name.startswith(prefix) and len(name) > len(prefix)
    }
