"""Who may do what: the one place for the site's access rules.

Each rule is one predicate here: may this user see, edit, submit, review
(approve or return), reopen or delete this object. Services, pages and the
API ask the same predicate, so they give the same answer. A rule that can say
no for more than one reason returns a Refusal (None when allowed): the
service raises it, the API answers it, the page shows its message.

What a user may *see* is drawn by each model's `visible_to(user)` queryset
method (metroplan/visibility.py applies it centrally); the querysets build on
`is_secretariat`, `member_of` and `can_see_dashboards` below.
"""

from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import permissions

from metroplan.services import PermissionDenied, ServiceError

SECRETARIAT_GROUP = "Secretariat"


# --- who someone is -------------------------------------------------------------


def is_secretariat(user) -> bool:
    """Secretariat staff: active members of the Secretariat group, or active superusers."""
    if not user or not user.is_authenticated or not user.is_active:
        return False
    cached = getattr(user, "_metroplan_is_secretariat", None)
    if cached is None:
        cached = user.is_superuser or user.groups.filter(name=SECRETARIAT_GROUP).exists()
        user._metroplan_is_secretariat = cached
    return cached


def secretariat_users():
    """The users `is_secretariat` says yes to, as a queryset (for e-mails and
    choices of an action's lead)."""
    from django.contrib.auth import get_user_model

    return (
        get_user_model()
        .objects.filter(Q(groups__name=SECRETARIAT_GROUP) | Q(is_superuser=True), is_active=True)
        .distinct()
    )


def member_of(user):
    """The member a focal point reports for, or None."""
    if not user or not user.is_authenticated:
        return None
    cached = getattr(user, "_metroplan_member", False)
    if cached is False:
        # The focal-point model is members' (a layer above): reached through the user's relation to it.
        FocalPoint = user._meta.get_field("focal_point").related_model
        focal_point = FocalPoint.objects.select_related("member").filter(user=user).first()
        cached = focal_point.member if focal_point else None
        user._metroplan_member = cached
    return cached


# --- signing in -----------------------------------------------------------------


def second_factor_required(user) -> bool:
    """A second factor (an authenticator app's code, or a recovery code) at
    every sign-in: secretariat staff and anyone who may open the admin. Focal
    points may add one; they are not required to. (Enforced for every page and
    the admin by metroplan.second_factor.SecondFactorMiddleware.)"""
    if not user or not user.is_authenticated or not user.is_active:
        return False
    return is_secretariat(user) or user.is_staff


def may_sign_in_with_password(user) -> bool:
    """Local passwords keep working, except for staff when STAFF_LOCAL_PASSWORDS
    is off: staff then sign in with their organisation's account only."""
    return settings.STAFF_LOCAL_PASSWORDS or not second_factor_required(user)


def can_manage_sign_in(user) -> bool:
    """Single sign-on: which e-mail domains map to which member, whether a
    provider may create users, and approving or refusing who signs in: staff."""
    return is_secretariat(user)


# --- refusals -------------------------------------------------------------------


DENIED = "permission_denied"


@dataclass(frozen=True)
class Refusal:
    """Why a rule says no: `code` DENIED (the user may not, whatever the
    object's state: 403) or a state code (the object's state forbids it now:
    409 on the API)."""

    message: str
    code: str = DENIED

    def error(self) -> Exception:
        """The exception a service raises for this refusal."""
        if self.code == DENIED:
            return PermissionDenied(self.message)
        return ServiceError(self.message, code=self.code)



def require(refusal: Refusal | None) -> None:
    """Raise the refusal a predicate gave, if it gave one (for services)."""
    if refusal is not None:
        raise refusal.error()


def _state_label(update) -> str:
    return str(update.get_state_display()).lower()


# --- the plan and the dashboards ------------------------------------------------


def can_see_dashboards(user) -> bool:
    return settings.PUBLIC_DASHBOARD or (user is not None and user.is_authenticated)


def can_see_plan(user, plan) -> bool:
    """A draft plan (being prepared) is the secretariat's; others see the
    active and closed ones where they may see the dashboards."""
    if is_secretariat(user):
        return True
    return plan.status != type(plan).Status.DRAFT and can_see_dashboards(user)


def can_edit_plan(user) -> bool:
    """Goals, actions, indicators, milestones, periods, participants, imports,
    carry-over, and deleting plan items: the secretariat."""
    return is_secretariat(user)


def can_see_report_failure(user) -> bool:
    """A failed report's reason holds internals (exception text): staff only."""
    return is_secretariat(user)


def can_request_report(user) -> bool:
    """Asking for a report and correcting one: the secretariat."""
    return is_secretariat(user)


def can_write_commentary(user) -> bool:
    """Writing the secretariat's per-period commentary on a goal or an action: staff."""
    return is_secretariat(user)


# --- the Django admin ------------------------------------------------------------

# What the Secretariat group may do in /admin/: keep reference data (view, add,
# change) and read the workflow's records. Updates, values, evidence, reopenings
# and reports change only through the review workflow's services.
SECRETARIAT_ADMIN_REFERENCE_MODELS = [
    "members.region", "members.member", "members.membership", "members.focalpoint", "reporting.reportingperiod",
    "metroplan.webhook",
]
SECRETARIAT_ADMIN_WORKFLOW_MODELS = [
    "reporting.progressupdate", "reporting.indicatorvalue", "reporting.evidence", "reporting.periodreopening",
    "reporting.report", "metroplan.webhookdelivery",
]


def secretariat_admin_permissions() -> list[tuple[str, str]]:
    """The Secretariat group's model permissions, as (app label, codename)."""
    granted = []
    for label in SECRETARIAT_ADMIN_REFERENCE_MODELS:
        app_label, model = label.split(".")
        granted += [(app_label, f"{verb}_{model}") for verb in ("view", "add", "change")]
    for label in SECRETARIAT_ADMIN_WORKFLOW_MODELS:
        app_label, model = label.split(".")
        granted.append((app_label, f"view_{model}"))
    return granted


def can_write_workflow_in_admin(user) -> bool:
    """Adding, changing or deleting workflow records in the admin bypasses the
    review workflow: superusers only, whatever permissions a group holds."""
    return bool(user and user.is_active and user.is_superuser)


# --- members, focal points and tokens -------------------------------------------


def can_manage_focal_points(user) -> bool:
    """Adding, editing, deactivating, reactivating and inviting focal points: staff."""
    return is_secretariat(user)


def focal_point_manage_refusal(actor, person) -> Refusal | None:
    """May `actor` edit, deactivate, reactivate or invite `person` (a focal
    point's user) on the focal point pages? Staff may, except their own
    account and accounts with more rights than a focal point's (staff and
    superusers), which are kept in the admin."""
    if not can_manage_focal_points(actor):
        return Refusal(_("Only secretariat staff manage focal points."))
    if person.pk == actor.pk:
        return Refusal(_("You cannot change your own account here."))
    if person.is_superuser or person.is_staff or is_secretariat(person):
        return Refusal(_("This account belongs to the secretariat; change it in the admin."))
    return None


def focal_point_invite_refusal(actor, person) -> Refusal | None:
    """May `actor` send `person` an invitation to choose a password? As for
    managing them, and only while the account is active and has an address."""
    refusal = focal_point_manage_refusal(actor, person)
    if refusal is not None:
        return refusal
    if not person.is_active:
        return Refusal(_("This account is deactivated; reactivate it before inviting."), "inactive")
    if not person.email:
        return Refusal(_("An invitation needs an e-mail address; add one first."), "no_email")
    return None


def can_manage_reminders(user) -> bool:
    """Setting the reminder schedule and reading what was sent: staff."""
    return is_secretariat(user)


def can_edit_members(user) -> bool:
    """Member records (name, region, type, coordinates, provenance): staff."""
    return is_secretariat(user)


def can_see_provenance(user) -> bool:
    """How sure the network is of a member record, and its source: staff."""
    return is_secretariat(user)


def can_manage_tokens(user) -> bool:
    """Issuing API tokens and listing everyone's: staff."""
    return is_secretariat(user)


def can_revoke_token(user, token) -> bool:
    """Staff revoke any token; a user revokes their own."""
    return is_secretariat(user) or (user is not None and user.is_authenticated and token.user_id == user.pk)


# --- progress updates -----------------------------------------------------------


def can_write_update_for(user, member) -> bool:
    """Focal points write their own member's updates; staff write any."""
    if is_secretariat(user):
        return True
    own = member_of(user)
    return own is not None and member is not None and own.pk == member.pk


def update_write_refusal(user, member) -> Refusal | None:
    """May `user` write (create, save, submit) updates of `member` at all?"""
    if can_write_update_for(user, member):
        return None
    # Same message whether or not the member has an update there: nothing leaks.
    return Refusal(_("You can only report for your own member."))


def update_edit_refusal(user, update) -> Refusal | None:
    """May `user` change `update` (its text, status, values, evidence)? Its
    member's focal points and staff may, until it is approved; once submitted
    it waits for review, and only staff change it then."""
    refusal = update_write_refusal(user, update.member)
    if refusal is not None:
        return refusal
    if update.state == update.State.APPROVED:
        return Refusal(_("This update is approved and can no longer be changed."), "approved")
    if update.state == update.State.SUBMITTED and not is_secretariat(user):
        return Refusal(
            _("This update is submitted and waits for review; it can be changed once it is returned."), "submitted"
        )
    return None


def can_edit_update(user, update) -> bool:
    return update_edit_refusal(user, update) is None


def update_submit_refusal(user, update) -> Refusal | None:
    """May `user` submit `update` for review? A draft or a returned update, by
    its member's focal points or staff. (Whether it is complete, and whether
    the period takes it, are the service's checks of the content.)"""
    refusal = update_write_refusal(user, update.member)
    if refusal is not None:
        return refusal
    if update.state not in (update.State.DRAFT, update.State.RETURNED):
        return Refusal(_("This update is already %(state)s.") % {"state": _state_label(update)}, "invalid_transition")
    return None


def can_submit_update(user, update) -> bool:
    return update_submit_refusal(user, update) is None


def can_review(user) -> bool:
    """Approving and returning updates, answering reopening requests: staff."""
    return is_secretariat(user)


def update_review_refusal(user, update) -> Refusal | None:
    """May `user` approve or return `update`? Staff, while it is submitted."""
    if not can_review(user):
        return Refusal(_("Only secretariat staff review updates."))
    if update.state != update.State.SUBMITTED:
        return Refusal(
            _("Only submitted updates can be reviewed; this one is %(state)s.") % {"state": _state_label(update)},
            "invalid_transition",
        )
    return None


def can_review_update(user, update) -> bool:
    return update_review_refusal(user, update) is None


def can_read_update_history(user, update) -> bool:
    """Staff and the member's own focal points read an update's versions."""
    return can_write_update_for(user, update.member)


def can_remove_evidence(user, evidence) -> bool:
    """Evidence is part of its update: removed by whoever may edit the update."""
    return can_edit_update(user, evidence.update)


def reopening_request_refusal(user, member) -> Refusal | None:
    """May `user` ask to report late for `member` in a closed period? Its
    focal points (and staff)."""
    return update_write_refusal(user, member)


def can_request_reopening(user, member) -> bool:
    return reopening_request_refusal(user, member) is None


def can_decide_reopening(user) -> bool:
    """Granting or refusing a reopening request: staff."""
    return can_review(user)


def token_scope(request) -> str | None:
    """The scope of the API token that authenticated this request, if any."""
    auth = getattr(request, "auth", None)
    return getattr(auth, "scope", None)


# --- the API ----------------------------------------------------------------------

# Who may write through an API view. A view names its rule in `write_rule` (and,
# per viewset action, in `write_rules`); ApiAccess enforces it the same way in
# every view. A view whose objects have a state names, per action, the
# predicate that may refuse the object in `object_rules` (e.g.
# {"partial_update": update_edit_refusal}): the API then refuses with the
# predicate's own answer, the one the service gives.
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
    on each object as its predicate says (`object_rules`).

    What a user may *see* is drawn by the querysets' `visible_to`, so that an
    object outside a user's reach is a 404, not a 403.
    """

    message = gettext_lazy("You do not have permission to perform this action.")

    def has_permission(self, request, view) -> bool:
        if not request.user or not request.user.is_authenticated:
            return False
        if request.method in permissions.SAFE_METHODS:
            return True
        if token_scope(request) == "read":
            self.message = gettext_lazy("This token has the read scope and cannot write.")
            return False
        rule = api_write_rule(view)
        if rule == WRITE_REPORTERS:
            if is_secretariat(request.user) or member_of(request.user) is not None:
                return True
            self.message = gettext_lazy("Only secretariat staff and members' focal points write progress updates.")
            return False
        if rule == WRITE_REVIEWERS:
            if can_review(request.user):
                return True
            self.message = gettext_lazy("Only secretariat staff review updates.")
            return False
        if is_secretariat(request.user):
            return True
        self.message = gettext_lazy("Only secretariat staff can change this.")
        return False

    def has_object_permission(self, request, view, obj) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        rule = (getattr(view, "object_rules", None) or {}).get(getattr(view, "action", None))
        if rule is None and api_write_rule(view) == WRITE_REPORTERS:
            rule = update_edit_refusal
        if rule is not None:
            refusal = rule(request.user, obj)
            if refusal is not None:
                from metroplan.api.errors import api_exception_for

                raise api_exception_for(refusal.error())
            return True
        return self.has_permission(request, view)


# --- pages ------------------------------------------------------------------------


def plan_editor_required(view):
    """Views that change the plan: anonymous users go to the login page, signed-in
    users who cannot edit the plan get 403."""
    from functools import wraps

    from django.contrib.auth.views import redirect_to_login
    from django.core.exceptions import PermissionDenied as PageDenied

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not can_edit_plan(request.user):
            raise PageDenied
        return view(request, *args, **kwargs)

    return wrapper


def reader_required(view):
    """Pages anyone may read who may see the dashboards (the plan, the
    dashboards): signed-in users, and anonymous visitors only when
    PUBLIC_DASHBOARD opens the read-only public view; others log in first."""
    from functools import wraps

    from django.contrib.auth.views import redirect_to_login

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not can_see_dashboards(request.user):
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return wrapper
