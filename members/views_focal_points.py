"""Staff pages to manage focal points (users who report for a member): the
list (when each last signed in, whether they are active, when they were last
invited), adding one, editing one, deactivating and reactivating them, and
sending an invitation. Writes go through members.services; who may do what
is metroplan.permissions'."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from members.models import FocalPoint, Member
from members.services import focal_point_add, focal_point_invite, focal_point_set_active, focal_point_update
from metroplan.permissions import can_manage_focal_points, focal_point_invite_refusal, focal_point_manage_refusal
from metroplan.services import PermissionDenied, ServiceError, ValidationError
from metroplan.visibility import get_visible_or_404

PER_PAGE = 100


class FocalPointAddForm(forms.Form):
    member = forms.ModelChoiceField(
        label=gettext_lazy("Member"), queryset=Member.objects.order_by("name"), to_field_name="slug"
    )
    username = forms.CharField(label=gettext_lazy("Username"), max_length=150)
    email = forms.EmailField(label=gettext_lazy("E-mail"), required=False)
    invite = forms.BooleanField(
        label=gettext_lazy("E-mail them a link to choose their password"), required=False, initial=True
    )

    def clean(self):
        data = super().clean()
        if data.get("invite") and not data.get("email"):
            self.add_error("email", _("An invitation needs an e-mail address."))
        return data


class FocalPointEditForm(forms.Form):
    member = forms.ModelChoiceField(
        label=gettext_lazy("Member"), queryset=Member.objects.order_by("name"), to_field_name="slug",
        help_text=gettext_lazy("Changing it moves them: from then on they report for that member only."),
    )
    first_name = forms.CharField(label=gettext_lazy("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=gettext_lazy("Last name"), max_length=150, required=False)
    email = forms.EmailField(label=gettext_lazy("E-mail"), required=False,
                             help_text=gettext_lazy("Reminders and invitations go to this address."))


def _require_staff(request) -> None:
    if not can_manage_focal_points(request.user):
        raise Http404


def _focal_point(request, pk: int) -> FocalPoint:
    return get_visible_or_404(
        request.user, FocalPoint.objects.select_related("user", "user__profile", "member", "invited_by"), pk=pk
    )


@login_required
@require_safe
def focal_point_list(request):
    """Every focal point with their member, address, state and last sign-in;
    searchable by name, username, address or member, and by state."""
    _require_staff(request)
    focal_points = FocalPoint.objects.visible_to(request.user).select_related("user", "member", "member__region")
    query = request.GET.get("q", "").strip()
    if query:
        focal_points = focal_points.filter(
            Q(user__username__icontains=query) | Q(user__email__icontains=query)
            | Q(user__first_name__icontains=query) | Q(user__last_name__icontains=query)
            | Q(member__name__icontains=query)
        )
    state = request.GET.get("state", "")
    if state in ("active", "inactive"):
        focal_points = focal_points.filter(user__is_active=state == "active")
    page = Paginator(focal_points.order_by("member__name", "user__username"), PER_PAGE).get_page(
        request.GET.get("page")
    )
    params = request.GET.copy()
    params.pop("page", None)
    return render(request, "members/focal_points/list.html", {
        "page": page, "q": query, "state": state, "query": params.urlencode(),
    })


@login_required
@require_http_methods(["GET", "POST"])
def focal_point_add_view(request):
    _require_staff(request)
    form = FocalPointAddForm(request.POST or None, initial={"member": request.GET.get("member")})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                result = focal_point_add(member=data["member"], username=data["username"], email=data["email"])
                if data["invite"] and result.focal_point.user.email:
                    focal_point_invite(actor=request.user, focal_point=result.focal_point)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        except (ServiceError, PermissionDenied) as exc:
            form.add_error("username", getattr(exc, "message", str(exc)))
        else:
            user = result.focal_point.user
            names = {"user": user.username, "member": data["member"].name}
            if result.user_created:
                messages.success(request, _("Created %(user)s, focal point of %(member)s.") % names)
            elif result.linked:
                messages.success(request, _("Linked %(user)s to %(member)s.") % names)
            else:
                messages.info(request, _("%(user)s already reports for %(member)s; nothing changed.") % names)
            if data["invite"] and user.email:
                messages.info(request, _("An invitation went to %(email)s.") % {"email": user.email})
            return redirect("focal-point-list")
    return render(request, "members/focal_points/add.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def focal_point_edit_view(request, pk: int):
    _require_staff(request)
    focal_point = _focal_point(request, pk)
    user = focal_point.user
    initial = {"member": focal_point.member.slug, "first_name": user.first_name, "last_name": user.last_name,
               "email": user.email}
    form = FocalPointEditForm(request.POST or None, initial=initial)
    refusal = focal_point_manage_refusal(request.user, user)
    if request.method == "POST" and refusal is None and form.is_valid():
        try:
            with transaction.atomic():
                focal_point_update(actor=request.user, focal_point=focal_point, **form.cleaned_data)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("Saved %(user)s.") % {"user": user.get_username()})
            return redirect("focal-point-edit", pk=focal_point.pk)
    status = 400 if request.method == "POST" else 200
    if request.method == "POST" and refusal is not None:
        messages.error(request, refusal.message)
        status = 403
    return render(request, "members/focal_points/edit.html", {
        "focal_point": focal_point, "person": user, "form": form, "refusal": refusal,
        "invite_refusal": focal_point_invite_refusal(request.user, user),
    }, status=status)


def _act(request, pk: int, act) -> object:
    """Run one of the focal point's actions and say what happened."""
    _require_staff(request)
    focal_point = _focal_point(request, pk)
    try:
        with transaction.atomic():
            act(focal_point)
    except (ServiceError, PermissionDenied) as exc:
        messages.error(request, getattr(exc, "message", None) or str(exc))
    return redirect("focal-point-edit", pk=focal_point.pk)


@login_required
@require_POST
def focal_point_deactivate_view(request, pk: int):
    def act(focal_point):
        if focal_point_set_active(actor=request.user, focal_point=focal_point, active=False):
            messages.success(request, _("%(user)s is deactivated: they can no longer sign in.")
                             % {"user": focal_point.user.get_username()})

    return _act(request, pk, act)


@login_required
@require_POST
def focal_point_reactivate_view(request, pk: int):
    def act(focal_point):
        if focal_point_set_active(actor=request.user, focal_point=focal_point, active=True):
            messages.success(request, _("%(user)s is active again and can sign in.")
                             % {"user": focal_point.user.get_username()})

    return _act(request, pk, act)


@login_required
@require_POST
def focal_point_invite_view(request, pk: int):
    def act(focal_point):
        focal_point_invite(actor=request.user, focal_point=focal_point)
        messages.success(request, _("An invitation went to %(email)s.") % {"email": focal_point.user.email})

    return _act(request, pk, act)
