"""Load the member list (data/members.csv) into the database, idempotently."""

import csv
from datetime import date
from decimal import Decimal
from pathlib import Path

from django.db import transaction
from django.utils.text import slugify

from members.models import Member, Membership, Region
from members.zones import zone_for

# The plan was adopted on this day; the list is the membership at that moment.
ADOPTION_DAY = date(2020, 11, 30)
REGION_ORDER = ["Africa", "Asia-Pacific", "Europe", "Latin America & Caribbean", "North America"]
REQUIRED_COLUMNS = {"slug", "name", "country", "iso2", "region", "latitude", "longitude", "confidence", "source"}


class MemberFileError(ValueError):
    pass


@transaction.atomic
def members_load(*, path: Path) -> dict[str, int]:
    """Create or update regions and members from the CSV; returns counts.

    Running it again changes nothing: rows are matched by slug. A member loaded
    for the first time gets an active membership span from the adoption day,
    and the time zone of its coordinates (members.zones.zone_for).
    """
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        missing = REQUIRED_COLUMNS - set(reader.fieldnames or [])
        if missing:
            raise MemberFileError(f"{path.name}: missing columns {', '.join(sorted(missing))}")
        rows = list(reader)

    regions: dict[str, Region] = {}
    for name in sorted({row["region"] for row in rows}, key=lambda n: (REGION_ORDER + [n]).index(n)):
        order = REGION_ORDER.index(name) if name in REGION_ORDER else len(REGION_ORDER)
        regions[name], _ = Region.objects.update_or_create(
            slug=slugify(name), defaults={"name": name, "order": order}
        )

    created = 0
    for line, row in enumerate(rows, start=2):
        if row["confidence"] not in Member.Confidence.values:
            raise MemberFileError(f"{path.name} line {line}: unknown confidence {row['confidence']!r}")
        defaults = {
            "name": row["name"],
            "country": row["country"],
            "country_code": row["iso2"].upper(),
            "region": regions[row["region"]],
            "latitude": Decimal(row["latitude"]),
            "longitude": Decimal(row["longitude"]),
            "confidence": row["confidence"],
            "source": row["source"],
        }
        # The time zone is derived once, when the member is first loaded: staff may have corrected it since.
        member, was_created = Member.objects.update_or_create(
            slug=row["slug"],
            defaults=defaults,
            create_defaults={**defaults, "time_zone": zone_for(
                latitude=defaults["latitude"], longitude=defaults["longitude"], country_code=defaults["country_code"]
            )},
        )
        if was_created:
            created += 1
        if not member.memberships.exists():
            Membership.objects.create(
                member=member, standing=Membership.Standing.ACTIVE, start=ADOPTION_DAY,
                note="Member at the plan's adoption (seed list)",
            )
    return {"regions": len(regions), "members": len(rows), "created": created}
