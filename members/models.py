"""Members of the network: regions, member governments, their standing over
time, the focal points who report for them, and API tokens."""

import hashlib
import secrets
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from members.names import country_name, region_name
from members.querysets import (
    ApiTokenQuerySet,
    FocalPointQuerySet,
    MemberQuerySet,
    MembershipQuerySet,
    RegionQuerySet,
    UserProfileQuerySet,
)
from members.zones import DEFAULT_ZONE, validate_time_zone


class Region(models.Model):
    """One of the network's world regions."""

    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=100, unique=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    objects = RegionQuerySet.as_manager()

    class Meta:
        ordering = ["order", "name"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    def __str__(self) -> str:
        return self.name

    @property
    def display_name(self) -> str:
        """The region's name in the active language."""
        return region_name(self.name)


class Member(models.Model):
    """A member government of the network.

    `confidence` and `source` record how sure the network is that the record is
    right; staff see and correct them. `time_zone` is where its deadlines end:
    an update is on time when first submitted before midnight there at the end
    of the deadline day.
    """

    class MembershipType(models.TextChoices):
        FULL = "full", _("Full member")
        ASSOCIATE = "associate", _("Associate member")
        HONORARY = "honorary", _("Honorary member")

    class Confidence(models.TextChoices):
        SOURCED = "sourced", _("Sourced (evidence 2019-2022)")
        SOURCED_OLDER = "sourced-older", _("Sourced (evidence from another year)")
        UNVERIFIED = "unverified", _("Unverified")

    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    name = models.CharField(_("name"), max_length=200)
    country = models.CharField(_("country"), max_length=100)
    country_code = models.CharField(_("country code (ISO 3166 alpha-2)"), max_length=2)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="members", verbose_name=_("region"))
    membership_type = models.CharField(
        _("membership type"), max_length=20, choices=MembershipType.choices, default=MembershipType.FULL
    )
    latitude = models.DecimalField(_("latitude"), max_digits=7, decimal_places=3)
    longitude = models.DecimalField(_("longitude"), max_digits=7, decimal_places=3)
    time_zone = models.CharField(
        _("time zone"), max_length=64, default=DEFAULT_ZONE, validators=[validate_time_zone],
        help_text=_("An IANA name such as America/Mexico_City: the member's deadlines end at midnight there."),
    )
    confidence = models.CharField(
        _("confidence"), max_length=20, choices=Confidence.choices, default=Confidence.UNVERIFIED
    )
    source = models.TextField(_("source"), blank=True)
    # Grows by one on every change through members.services, so that a stale write is refused.
    version = models.PositiveIntegerField(default=1, editable=False)

    history = HistoricalRecords()
    objects = MemberQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("member")
        verbose_name_plural = _("members")
        constraints = [
            models.CheckConstraint(
                condition=Q(latitude__gte=-90, latitude__lte=90) & Q(longitude__gte=-180, longitude__lte=180),
                name="member_coordinates_in_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def country_name(self) -> str:
        """The country's name in the active language (CLDR, by `country_code`)."""
        return country_name(self.country_code, self.country)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    def local_date(self, moment: datetime) -> date:
        """The calendar day `moment` falls on in the member's time zone."""
        return timezone.localtime(moment, self.zone).date()


class Membership(models.Model):
    """A dated span of a member's standing.

    Who was expected to report in a period is read from these spans, not from
    today's list: a member that joined in 2022 owes nothing for 2021.
    """

    class Standing(models.TextChoices):
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")
        LEFT = "left", _("Left")
        EXEMPTED = "exempted", _("Exempted from reporting")

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="memberships")
    standing = models.CharField(_("standing"), max_length=20, choices=Standing.choices, default=Standing.ACTIVE)
    start = models.DateField(_("from"))
    end = models.DateField(_("until"), null=True, blank=True, help_text=_("Empty while it lasts."))
    note = models.CharField(_("note"), max_length=300, blank=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["member", "start"]
        verbose_name = _("membership span")
        verbose_name_plural = _("membership spans")
        constraints = [
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(end__gte=models.F("start")), name="membership_end_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member}: {self.get_standing_display()} {self.start}–{self.end or ''}"


class FocalPoint(models.Model):
    """Links a user to the one member government they report for. Staff
    manage them (members.services): edit, deactivate, reactivate, invite."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="focal_point")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="focal_points",
                               verbose_name=_("member"))
    created = models.DateTimeField(auto_now_add=True)
    invited_at = models.DateTimeField(_("last invited"), null=True, blank=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("invited by"),
    )

    objects = FocalPointQuerySet.as_manager()

    class Meta:
        verbose_name = _("focal point")
        verbose_name_plural = _("focal points")

    def __str__(self) -> str:
        return f"{self.user} → {self.member}"


class ApiToken(models.Model):
    """A key for the REST API. Only a SHA-256 hash of the key is stored; the key
    itself is shown once, when it is made."""

    class Scope(models.TextChoices):
        READ = "read", _("Read")
        WRITE = "write", _("Read and write")

    PREFIX_LENGTH = 8

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    scope = models.CharField(_("scope"), max_length=10, choices=Scope.choices, default=Scope.READ)
    prefix = models.CharField(_("key prefix"), max_length=PREFIX_LENGTH, db_index=True, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created = models.DateTimeField(_("created"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    @staticmethod
    def generate_key() -> str:
        return secrets.token_urlsafe(32)

    @property
    def is_active(self) -> bool:
        now = timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


class UserProfile(models.Model):
    """What a person chose for themselves: the language pages and e-mails reach
    them in. Empty until they first sign in (then the browser's language is
    stored) or choose one with the language switch."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES, blank=True)

    objects = UserProfileQuerySet.as_manager()

    class Meta:
        verbose_name = _("user profile")
        verbose_name_plural = _("user profiles")

    def __str__(self) -> str:
        return f"{self.user} ({self.language or '-'})"
