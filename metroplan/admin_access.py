"""The Secretariat group's door to /admin/: its model permissions, kept in
step on every `migrate`, and the read-only admin for workflow records."""

from django.db.models import Q

from metroplan.permissions import SECRETARIAT_GROUP, can_write_workflow_in_admin, secretariat_admin_permissions


def secretariat_group_sync(*, using: str = "default", **kwargs) -> None:
    """Give the Secretariat group exactly its admin permissions (a post_migrate
    receiver, so a fresh install and an upgrade both get them)."""
    from django.contrib.auth.models import Group, Permission

    group, _ = Group.objects.using(using).get_or_create(name=SECRETARIAT_GROUP)
    wanted = Q(pk__in=[])
    for app_label, codename in secretariat_admin_permissions():
        wanted |= Q(content_type__app_label=app_label, codename=codename)
    group.permissions.set(Permission.objects.using(using).filter(wanted))


class WorkflowReadOnlyAdmin:
    """Mixin for a ModelAdmin or inline of a workflow model: others than
    superusers may look, not add, change or delete."""

    def has_add_permission(self, request, *args):
        return can_write_workflow_in_admin(request.user) and super().has_add_permission(request, *args)

    def has_change_permission(self, request, obj=None):
        return can_write_workflow_in_admin(request.user) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return can_write_workflow_in_admin(request.user) and super().has_delete_permission(request, obj)
