"""Chainable query building blocks for members."""

from datetime import date

from django.db import models
from django.db.models import Exists, OuterRef, Q


class MembershipQuerySet(models.QuerySet):
    def overlapping(self, start: date, end: date) -> "MembershipQuerySet":
        """Spans that share at least one day with [start, end]."""
        return self.filter(Q(end__isnull=True) | Q(end__gte=start), start__lte=end)


def expected_to_report_q(start, end, member_ref: str = "pk") -> Q:
    """A Q on a Member-bearing queryset: the member's standing covered the period.

    Expected = an active span overlaps the period, and no suspended, left or
    exempted span overlaps it. `start` and `end` may be dates or OuterRef/F
    expressions (so that one query can test every period at once).
    """
    from members.models import Membership

    def spans(*standings):
        return Membership.objects.filter(
            Q(end__isnull=True) | Q(end__gte=start),
            member=OuterRef(member_ref),
            start__lte=end,
            standing__in=standings,
        )

    active = spans(Membership.Standing.ACTIVE)
    excused = spans(Membership.Standing.SUSPENDED, Membership.Standing.LEFT, Membership.Standing.EXEMPTED)
    return Q(Exists(active)) & ~Q(Exists(excused))


class MemberQuerySet(models.QuerySet):
    def expected_between(self, start: date, end: date) -> "MemberQuerySet":
        return self.filter(expected_to_report_q(start, end))
