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
    SignInDomainQuerySet,
    SignInProviderQuerySet,
    SignInRequestQuerySet,
    UserProfileQuerySet,
)
from members.zones import DEFAULT_ZONE, validate_time_zone


class Region(models.Model):
    """One of the network's world regions."""

    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=100, unique=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    modified = models.DateTimeField(_("modified"), auto_now=True, db_index=True, editable=False)

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
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    modified = models.DateTimeField(_("modified"), auto_now=True, db_index=True, editable=False)

    history = HistoricalRecords(excluded_fields=["modified"])  # sync bookkeeping, not history
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

    member = models.ForeignKey(Member, verbose_name=_("member"), on_delete=models.CASCADE, related_name="memberships")
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

    user = models.OneToOneField(settings.AUTH_USER_MODEL, verbose_name=_("user"),
                                on_delete=models.CASCADE, related_name="focal_point")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="focal_points",
                               verbose_name=_("member"))
    created = models.DateTimeField(_("created"), auto_now_add=True)
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

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"),
                             on_delete=models.CASCADE, related_name="api_tokens")
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

    user = models.OneToOneField(settings.AUTH_USER_MODEL, verbose_name=_("user"),
                                on_delete=models.CASCADE, related_name="profile")
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES, blank=True)

    objects = UserProfileQuerySet.as_manager()

    class Meta:
        verbose_name = _("user profile")
        verbose_name_plural = _("user profiles")

    def __str__(self) -> str:
        return f"{self.user} ({self.language or '-'})"


# Single sign-on ----------------------------------------------------------------
# Providers themselves are configured from the environment (SSO_*, read by
# metroplan/sign_in_providers.py); what staff decide about them lives here.


class SignInProvider(models.Model):
    """What staff chose for one single sign-on provider: whether a person it
    signs in who has no account here may be proposed as a new user (each one
    still waits for staff's approval)."""

    provider = models.CharField(_("provider"), max_length=40, unique=True)
    new_users_allowed = models.BooleanField(_("new users may be proposed"), default=False)

    objects = SignInProviderQuerySet.as_manager()

    class Meta:
        ordering = ["provider"]
        verbose_name = _("single sign-on provider")
        verbose_name_plural = _("single sign-on providers")

    def __str__(self) -> str:
        return self.provider


class SignInRole(models.TextChoices):
    FOCAL_POINT = "focal_point", _("Focal point of a member")
    SECRETARIAT = "secretariat", _("Secretariat staff")


class SignInDomain(models.Model):
    """People whose e-mail address ends in @`domain`, signing in through
    `provider`, are proposed as focal points of `member` (or as secretariat
    staff). A proposal waits for staff's approval; a domain with no row here is
    refused."""

    provider = models.CharField(_("provider"), max_length=40)
    domain = models.CharField(_("e-mail domain"), max_length=253, help_text=_("For example bcn.cat."))
    role = models.CharField(_("proposed as"), max_length=20, choices=SignInRole.choices,
                            default=SignInRole.FOCAL_POINT)
    member = models.ForeignKey(Member, on_delete=models.CASCADE, null=True, blank=True, related_name="sign_in_domains",
                               verbose_name=_("member"))
    created = models.DateTimeField(_("created"), auto_now_add=True)

    objects = SignInDomainQuerySet.as_manager()

    class Meta:
        ordering = ["provider", "domain"]
        verbose_name = _("single sign-on domain")
        verbose_name_plural = _("single sign-on domains")
        constraints = [
            models.UniqueConstraint(fields=["provider", "domain"], name="sign_in_domain_unique"),
            models.CheckConstraint(
                condition=Q(role=SignInRole.FOCAL_POINT, member__isnull=False)
                | Q(role=SignInRole.SECRETARIAT, member__isnull=True),
                name="sign_in_domain_member_iff_focal_point",
            ),
        ]

    def __str__(self) -> str:
        return f"@{self.domain} ({self.provider})"


class SignInRequest(models.Model):
    """Someone a single sign-on provider vouched for, waiting for staff: a new
    user proposed as `role` (of `member`), or an existing `user` with the same
    e-mail address to be linked to this provider's account. Nothing is created
    or linked until staff approve."""

    class Kind(models.TextChoices):
        NEW_USER = "new_user", _("New user")
        LINK = "link", _("Link to an existing user")

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting for approval")
        APPROVED = "approved", _("Approved")
        REFUSED = "refused", _("Refused")

    provider = models.CharField(_("provider"), max_length=40)
    uid = models.CharField(_("identifier at the provider"), max_length=255)
    email = models.EmailField(_("e-mail"), max_length=254)
    name = models.CharField(_("name"), max_length=300, blank=True)
    first_name = models.CharField(max_length=150, blank=True)
    last_name = models.CharField(max_length=150, blank=True)
    extra_data = models.JSONField(default=dict, blank=True)
    language = models.CharField(max_length=10, blank=True)  # the browser's, when they asked: for the e-mails
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    role = models.CharField(_("proposed as"), max_length=20, choices=SignInRole.choices)
    member = models.ForeignKey(Member, on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="sign_in_requests", verbose_name=_("member"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True,
                             related_name="sign_in_requests", verbose_name=_("user"))
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.PENDING)
    created = models.DateTimeField(_("asked"), auto_now_add=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("decided by"))

    objects = SignInRequestQuerySet.as_manager()

    class Meta:
        ordering = ["-created"]
        verbose_name = _("single sign-on request")
        verbose_name_plural = _("single sign-on requests")
        constraints = [
            models.UniqueConstraint(fields=["provider", "uid"], name="sign_in_request_one_per_account"),
        ]

    def __str__(self) -> str:
        return f"{self.email} ({self.provider}, {self.state})"
