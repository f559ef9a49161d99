"""Staff pages to issue and revoke API tokens. A new key is shown once, on the
page that answers the form; afterwards only its first characters are known."""

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from members.models import ApiToken
from members.services import MAX_TOKEN_DAYS, token_issue, token_revoke
from metroplan.permissions import can_manage_tokens
from metroplan.visibility import get_visible_or_404


class TokenForm(forms.Form):
    user = forms.ModelChoiceField(
        label=gettext_lazy("User"),
        queryset=get_user_model().objects.filter(is_active=True).order_by("username"),
        to_field_name="username",
    )
    name = forms.CharField(
        label=gettext_lazy("Name"), max_length=100,
        help_text=gettext_lazy("Who uses the token, and for what."),
    )
    scope = forms.ChoiceField(label=gettext_lazy("Scope"), choices=ApiToken.Scope.choices)
    days = forms.IntegerField(
        label=gettext_lazy("Expires after (days)"), required=False, min_value=1, max_value=MAX_TOKEN_DAYS,
        help_text=gettext_lazy("Leave empty for a token that does not expire."),
    )


def _require_staff(request) -> None:
    if not can_manage_tokens(request.user):
        raise PermissionDenied(_("Only secretariat staff manage API tokens."))


@never_cache
@login_required
def token_list(request):
    _require_staff(request)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            token, key = token_issue(
                owner=form.cleaned_data["user"],
                name=form.cleaned_data["name"],
                scope=form.cleaned_data["scope"],
                days=form.cleaned_data["days"],
                issued_by=request.user,
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
        else:
            return render(request, "members/tokens/created.html", {"token": token, "key": key})
    tokens = ApiToken.objects.select_related("user").order_by("revoked_at", "-created")
    return render(request, "members/tokens/list.html", {"form": form, "tokens": tokens})


@login_required
@require_POST
def token_revoke_view(request, pk: int):
    _require_staff(request)
    token = get_visible_or_404(request.user, ApiToken, pk=pk)
    token_revoke(token=token, revoked_by=request.user)
    messages.success(request, _("Token %(name)s is revoked.") % {"name": token.name})
    return redirect("token-list")
