"""Deadlines and submission times on the member's clock, with the zone named.

{{ period.deadline|deadline_in:member }} → "30 April 2022, 23:59 America/Mexico_City"
{{ update.submitted_at|moment_in:member }} → "1 May 2022, 00:30 Asia/Seoul"
"""

from django import template

from members.zones import deadline_text, moment_text

register = template.Library()


def _zone(member_or_zone) -> str:
    return getattr(member_or_zone, "time_zone", member_or_zone) or "UTC"


@register.filter
def deadline_in(day, member_or_zone):
    return deadline_text(day, _zone(member_or_zone)) if day else ""


@register.filter
def moment_in(moment, member_or_zone):
    return moment_text(moment, _zone(member_or_zone)) if moment else ""
