"""Members in the change feed (metroplan.changes): public, as the members list
is (their provenance, `confidence` and `source`, is staff's and left out)."""

from metroplan import changes


def register() -> None:
    from members.models import Member

    changes.track(
        Member, type="member", key="slug", audience=lambda member: changes.EVERYONE,
        fields=("slug", "name", "country", "country_code", "region.slug", "membership_type", "latitude",
                "longitude", "time_zone", "version", "modified"),
    )
