"""Who may do what: the one place for the site's access rules.

Pages, the API, exports and reports ask these functions; querysets' `visible_to`
methods use them to draw the boundary of what a user can see.
"""

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import permissions

SECRETARIAT_GROUP = "Secretariat"


def is_secretariat(user) -> bool:
    """Secretariat staff: members of the Secretariat group, or superusers."""
    if not user or not user.is_authenticated or not user.is_active:
        return False
    cached = getattr(user, "_metroplan_is_secretariat", None)
    if cached is None:
        cached = user.is_superuser or user.groups.filter(name=SECRETARIAT_GROUP).exists()
        user._metroplan_is_secretariat = cached
    return cached


def member_of(user):
    """The member a focal point reports for, or None."""
    if not user or not user.is_authenticated:
        return None
    cached = getattr(user, "_metroplan_member", False)
    if cached is False:
        from members.models import FocalPoint

        focal_point = FocalPoint.objects.select_related("member").filter(user=user).first()
        cached = focal_point.member if focal_point else None
        user._metroplan_member = cached
    return cached


def can_see_dashboards(user) -> bool:
    return settings.PUBLIC_DASHBOARD or (user is not None and user.is_authenticated)


def can_edit_plan(user) -> bool:
    return is_secretariat(user)


def can_review(user) -> bool:
    return is_secretariat(user)


def can_write_update_for(user, member) -> bool:
    """Focal points write their own member's updates; staff write any."""
    if is_secretariat(user):
        return True
    own = member_of(user)
    return own is not None and member is not None and own.pk == member.pk


def can_edit_update(user, update) -> bool:
    """An approved update is closed to everyone; otherwise as can_write_update_for."""
    if update.state == "approved":
        return False
    return can_write_update_for(user, update.member)


def can_read_update_history(user, update) -> bool:
    """Staff and the member's own focal points read an update's versions."""
    return can_write_update_for(user, update.member)


def can_manage_focal_points(user) -> bool:
    return is_secretariat(user)


def can_edit_members(user) -> bool:
    """Member records (name, region, type, coordinates, provenance): staff."""
    return is_secretariat(user)


def token_scope(request) -> str | None:
    """The scope of the API token that authenticated this request, if any."""
    auth = getattr(request, "auth", None)
    return getattr(auth, "scope", None)


# Who may write through an API view. A view names its rule in `write_rule` (and,
# per viewset action, in `write_rules`); ApiAccess enforces it the same way in
# every view.
WRITE_STAFF = "staff"  # the plan, members, periods, reports: secretariat only
WRITE_REPORTERS = "reporters"  # progress updates: staff, or the member's focal points
WRITE_REVIEWERS = "reviewers"  # approving and returning updates


def api_write_rule(view) -> str:
    rules = getattr(view, "write_rules", None) or {}
    default = WRITE_REPORTERS if getattr(view, "focal_points_may_write", False) else WRITE_STAFF
    return rules.get(getattr(view, "action", None), getattr(view, "write_rule", default))


class ApiAccess(permissions.BasePermission):
    """The API's rule, in every view: authenticated; a read token never writes;
    plan, members, periods, reports and reviews are written by secretariat staff
    only; progress updates by staff and by the member's own focal points, and
    never once approved (can_edit_update).

    What a user may *see* is drawn by the querysets' `visible_to`, so that an
    object outside a user's reach is a 404, not a 403.
    """

    message = _("You do not have permission to perform this action.")

    def has_permission(self, request, view) -> bool:
        if not request.user or not request.user.is_authenticated:
            return False
        if request.method in permissions.SAFE_METHODS:
            return True
        if token_scope(request) == "read":
            self.message = _("This token has the read scope and cannot write.")
            return False
        rule = api_write_rule(view)
        if rule == WRITE_REPORTERS:
            if is_secretariat(request.user) or member_of(request.user) is not None:
                return True
            self.message = _("Only secretariat staff and members' focal points write progress updates.")
            return False
        if rule == WRITE_REVIEWERS:
            if can_review(request.user):
                return True
            self.message = _("Only secretariat staff review updates.")
            return False
        if is_secretariat(request.user):
            return True
        self.message = _("Only secretariat staff can change this.")
        return False

    def has_object_permission(self, request, view, obj) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        if api_write_rule(view) == WRITE_REPORTERS:
            if can_edit_update(request.user, obj):
                return True
            self.message = (
                _("This update is approved and can no longer be changed.")
                if getattr(obj, "state", None) == "approved"
                else _("You can only report for your own member.")
            )
            return False
        return self.has_permission(request, view)


def plan_editor_required(view):
    """Views that change the plan: anonymous users go to the login page, signed-in
    users who cannot edit the plan get 403."""
    from functools import wraps

    from django.contrib.auth.views import redirect_to_login
    from django.core.exceptions import PermissionDenied

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not can_edit_plan(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def plan_reader_required(view):
    """Plan pages anyone may read who may see the dashboards; others log in first."""
    from functools import wraps

    from django.contrib.auth.views import redirect_to_login

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not can_see_dashboards(request.user):
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return wrapper
