"""Members' time zones: which IANA zones are valid, and the zone of a place.

A member's deadlines end at midnight in its own zone (reporting.figures.slots),
so the zone is part of the member's record: derived from its coordinates when
the member is loaded or created, corrected by staff where that is wrong.
"""

from __future__ import annotations

import zoneinfo
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from importlib import resources
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.formats import date_format, time_format
from django.utils.translation import gettext as _

DEFAULT_ZONE = "UTC"


@cache
def zone_names() -> frozenset[str]:
    """Every zone name the installed time zone database knows."""
    return frozenset(zoneinfo.available_timezones() - {"Factory"})


def zone_choices() -> list[tuple[str, str]]:
    return [(name, name) for name in sorted(zone_names())]


def validate_time_zone(value: str) -> None:
    if value not in zone_names():
        raise ValidationError(
            _("%(value)s is not a time zone; give an IANA name such as America/Mexico_City.") % {"value": value},
            code="invalid_time_zone",
        )


@cache
def _country_zones() -> dict[str, list[str]]:
    """ISO 3166 alpha-2 code → the zones of that country (the database's zone.tab)."""
    zones: dict[str, list[str]] = {}
    text = resources.files("tzdata").joinpath("zoneinfo", "zone.tab").read_text(encoding="utf-8")
    for line in text.splitlines():
        if line and not line.startswith("#"):
            code, _coordinates, name, *_comment = line.split("\t")
            zones.setdefault(code, []).append(name)
    return zones


@cache
def _finder():
    from timezonefinder import TimezoneFinder  # its data loads once, on first use

    return TimezoneFinder()


def zone_for(*, latitude: Decimal | float, longitude: Decimal | float, country_code: str) -> str:
    """The IANA zone of a place, from its coordinates, held to its country.

    The boundary data merges zones that have kept the same clock since 1970
    (Hanoi falls in Asia/Bangkok); when the zone found is not one of the
    country's own and the country has a single zone, that zone is taken.
    Where nothing is found (a point at sea), the country's single zone, or UTC.
    """
    found = _finder().timezone_at(lat=float(latitude), lng=float(longitude))
    own = _country_zones().get((country_code or "").upper(), [])
    if found in own:
        return found
    if len(own) == 1:
        return own[0]
    if found and found in zone_names() and not found.startswith("Etc/"):
        return found
    return own[0] if own else DEFAULT_ZONE


def deadline_text(day: date, zone_name: str) -> str:
    """A deadline as people read it: its last minute, in the member's zone
    ("30 April 2022, 23:59 America/Mexico_City" in English)."""
    return _("%(day)s, 23:59 %(zone)s") % {"day": date_format(day, "DATE_FORMAT"), "zone": zone_name}


def moment_text(moment: datetime, zone_name: str) -> str:
    """A moment on the member's clock, with the zone named."""
    local = timezone.localtime(moment, ZoneInfo(zone_name))
    return _("%(day)s, %(time)s %(zone)s") % {
        "day": date_format(local, "DATE_FORMAT"), "time": time_format(local, "TIME_FORMAT"), "zone": zone_name,
    }
