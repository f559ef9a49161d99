"""Chainable query building blocks for members."""

from datetime import date

from django.db import models
from django.db.models import Exists, OuterRef, Q

from metroplan.visibility import UnrestrictedQuerySet


class RegionQuerySet(UnrestrictedQuerySet):
    """The network's world regions: public."""


class FocalPointQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Staff see who reports for whom; a user sees their own link."""
        from metroplan.permissions import can_manage_focal_points

        if can_manage_focal_points(user):
            return self
        if user is None or not user.is_authenticated:
            return self.none()
        return self.filter(user=user)


class ApiTokenQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Staff see every token (never a key); a user sees their own."""
        from metroplan.permissions import can_manage_tokens

        if can_manage_tokens(user):
            return self
        if user is None or not user.is_authenticated:
            return self.none()
        return self.filter(user=user)


class MembershipQuerySet(UnrestrictedQuerySet):
    """Members' standing over time: public, as the list of members is."""

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


class MemberQuerySet(UnrestrictedQuerySet):
    """Member governments: public (their provenance fields are shown to staff
    only, by can_see_provenance, but no row is private)."""

    def expected_between(self, start: date, end: date) -> "MemberQuerySet":
        return self.filter(expected_to_report_q(start, end))


class UserProfileQuerySet(models.QuerySet):
    def visible_to(self, user):
        """A person's own choices: theirs, and staff's."""
        from metroplan.permissions import is_secretariat

        if is_secretariat(user):
            return self
        if user is None or not user.is_authenticated:
            return self.none()
        return self.filter(user=user)


class _SignInQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Single sign-on settings and requests: staff who manage sign-in."""
        from metroplan.permissions import can_manage_sign_in

        return self if can_manage_sign_in(user) else self.none()


class SignInProviderQuerySet(_SignInQuerySet):
    pass


class SignInDomainQuerySet(_SignInQuerySet):
    pass


class SignInRequestQuerySet(_SignInQuerySet):
    def pending(self):
        return self.filter(state="pending")
