"""Staff's page for webhooks: register receivers (URL, event types, secret)
and read the delivery log, replaying what failed (metroplan.webhooks)."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from metroplan.models import Webhook, WebhookDelivery
from metroplan.webhooks import delivery_replay, known_event_types


@admin.register(Webhook)
class WebhookAdmin(admin.ModelAdmin):
    list_display = ["url", "event_types", "include_private", "active", "created"]
    list_filter = ["active", "include_private"]
    readonly_fields = ["created", "created_by"]
    fields = ["url", "event_types", "secret", "include_private", "active", "created", "created_by"]

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.base_fields["event_types"].help_text = _(
            'A JSON list such as ["update.transition", "goal.*"]; every event when empty. Known: %(known)s.'
        ) % {"known": ", ".join(known_event_types())}
        return form

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    """The delivery log: read-only, with a replay action."""

    list_display = ["id", "event", "webhook", "state", "attempts", "last_status", "last_attempt_at",
                    "next_attempt_at", "delivered_at"]
    list_filter = ["state", "webhook", "event"]
    list_select_related = ["webhook"]
    readonly_fields = [field.name for field in WebhookDelivery._meta.fields]
    actions = ["replay"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Send the selected deliveries again"))
    def replay(self, request, queryset):
        deliveries = list(queryset)
        for delivery in deliveries:
            delivery_replay(delivery=delivery)
        self.message_user(
            request,
            ngettext("%(n)d delivery queued again.", "%(n)d deliveries queued again.", len(deliveries))
            % {"n": len(deliveries)},
            messages.SUCCESS,
        )
