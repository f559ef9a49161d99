"""Staff pages to see and add focal points (users who report for a member)."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordResetForm
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from members.models import FocalPoint, Member
from members.services import focal_point_add
from metroplan.permissions import can_manage_focal_points
from metroplan.services import ServiceError, ValidationError


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


def _require_staff(request) -> None:
    if not can_manage_focal_points(request.user):
        raise Http404


@login_required
def focal_point_list(request):
    _require_staff(request)
    focal_points = FocalPoint.objects.select_related("user", "member", "member__region").order_by(
        "member__name", "user__username"
    )
    page = Paginator(focal_points, 100).get_page(request.GET.get("page"))
    return render(request, "members/focal_points/list.html", {"page": page})


@login_required
def focal_point_add_view(request):
    _require_staff(request)
    form = FocalPointAddForm(request.POST or None, initial={"member": request.GET.get("member")})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            result = focal_point_add(member=data["member"], username=data["username"], email=data["email"])
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        except ServiceError as exc:
            form.add_error("username", exc.message)
        else:
            user = result.focal_point.user
            if result.user_created:
                messages.success(request, _("Created %(user)s, focal point of %(member)s.")
                                 % {"user": user.username, "member": data["member"].name})
            elif result.linked:
                messages.success(request, _("Linked %(user)s to %(member)s.")
                                 % {"user": user.username, "member": data["member"].name})
            else:
                messages.info(request, _("%(user)s already reports for %(member)s; nothing changed.")
                              % {"user": user.username, "member": data["member"].name})
            if data["invite"] and user.email:
                reset = PasswordResetForm({"email": user.email})
                if reset.is_valid():
                    reset.save(request=request, use_https=request.is_secure(),
                               email_template_name="registration/focal_point_invite_email.txt",
                               subject_template_name="registration/focal_point_invite_subject.txt",
                               extra_email_context={"member": data["member"]})
                    messages.info(request, _("An invitation went to %(email)s.") % {"email": user.email})
            return redirect("focal-point-list")
    return render(request, "members/focal_points/add.html", {"form": form})
