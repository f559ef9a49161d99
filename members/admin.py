from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from members.models import ApiToken, FocalPoint, Member, Membership, Region
from members.zones import zone_choices


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "order"]
    prepopulated_fields = {"slug": ["name"]}


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0


class FocalPointInline(admin.TabularInline):
    model = FocalPoint
    extra = 0
    autocomplete_fields = ["user"]


class MemberAdminForm(forms.ModelForm):
    """The time zone is chosen from the zone database's names, not typed."""

    time_zone = forms.ChoiceField(
        label=_("time zone"), choices=zone_choices, help_text=Member._meta.get_field("time_zone").help_text
    )

    class Meta:
        model = Member
        fields = [
            "name", "slug", "country", "country_code", "region", "membership_type", "latitude", "longitude",
            "time_zone", "confidence", "source",
        ]


@admin.register(Member)
class MemberAdmin(SimpleHistoryAdmin):
    form = MemberAdminForm
    list_display = ["name", "country", "region", "membership_type", "time_zone", "confidence"]
    list_filter = ["region", "membership_type", "confidence"]
    search_fields = ["name", "slug", "country", "country_code"]
    inlines = [MembershipInline, FocalPointInline]
    fieldsets = [
        (None, {"fields": ["name", "slug", "country", "country_code", "region", "membership_type"]}),
        ("Location", {"fields": ["latitude", "longitude", "time_zone"]}),
        ("Provenance", {"fields": ["confidence", "source"]}),
    ]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["member", "standing", "start", "end"]
    list_filter = ["standing"]
    search_fields = ["member__name"]
    autocomplete_fields = ["member"]


@admin.register(FocalPoint)
class FocalPointAdmin(admin.ModelAdmin):
    list_display = ["user", "member", "created"]
    search_fields = ["user__username", "member__name"]
    autocomplete_fields = ["user", "member"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "scope", "prefix", "created", "expires_at", "last_used_at", "revoked_at"]
    list_filter = ["scope"]
    search_fields = ["name", "user__username", "prefix"]
    readonly_fields = ["prefix", "created", "last_used_at"]

    def has_add_permission(self, request):
        # A key is shown once at creation: tokens are made by `issue_token` or the token page.
        return False
