"""Single sign-on pages: the page a person waiting for staff's approval sees,
and the staff page that decides (providers, e-mail domains, requests)."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from members.models import Member, SignInDomain, SignInProvider, SignInRequest, SignInRole
from members.sign_in_adapters import WAITING_SESSION_KEY
from members.sign_in_services import (
    configured_providers,
    sign_in_domain_add,
    sign_in_domain_remove,
    sign_in_provider_set,
    sign_in_request_approve,
    sign_in_request_refuse,
)
from metroplan.permissions import can_manage_sign_in
from metroplan.services import ServiceError, ValidationError
from metroplan.visibility import get_visible_or_404, visible

RECENT_DECISIONS = 20


def sign_in_waiting(request):
    """What someone sees after signing in through a provider while staff have
    not approved them: that they wait (or were refused), and nothing else."""
    pk = request.session.get(WAITING_SESSION_KEY)
    sign_in_request = SignInRequest.objects.select_related("member").filter(pk=pk).first() if pk else None
    if sign_in_request is None:
        return redirect("login")
    return render(request, "account/sign_in_waiting.html", {
        "sign_in_request": sign_in_request,
        "provider_name": configured_providers().get(sign_in_request.provider, sign_in_request.provider),
    })


class SignInDomainForm(forms.Form):
    provider = forms.ChoiceField(label=gettext_lazy("Provider"))
    domain = forms.CharField(label=gettext_lazy("E-mail domain"), max_length=253,
                             help_text=gettext_lazy("The part of the address after the @, for example bcn.cat."))
    role = forms.ChoiceField(label=gettext_lazy("Proposed as"), choices=SignInRole.choices)
    member = forms.ModelChoiceField(
        label=gettext_lazy("Member"), queryset=Member.objects.order_by("name"), to_field_name="slug", required=False,
        help_text=gettext_lazy("For focal points: the member they report for."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["provider"].choices = list(configured_providers().items())


def _require_manager(request) -> None:
    if not can_manage_sign_in(request.user):
        raise Http404


@login_required
@require_GET
def sign_in_settings(request):
    _require_manager(request)
    return _settings_page(request, SignInDomainForm())


def _settings_page(request, form, status=200):
    providers = configured_providers()
    policies = {p.provider: p for p in visible(request.user, SignInProvider)}
    requests = visible(request.user, SignInRequest).select_related("member", "user", "decided_by")
    domains = list(visible(request.user, SignInDomain).select_related("member"))
    pending = list(requests.filter(state=SignInRequest.State.PENDING).order_by("created"))
    for item in [*domains, *pending]:
        item.provider_name = providers.get(item.provider, item.provider)
    return render(request, "members/sign_in/settings.html", {
        "providers": [
            {"id": provider, "name": name, "new_users_allowed": bool(
                policies.get(provider) and policies[provider].new_users_allowed)}
            for provider, name in providers.items()
        ],
        "domains": domains,
        "pending": pending,
        "decided": requests.exclude(state=SignInRequest.State.PENDING).order_by("-decided_at")[:RECENT_DECISIONS],
        "form": form,
    }, status=status)


@login_required
@require_POST
def sign_in_provider_edit(request, provider):
    _require_manager(request)
    if provider not in configured_providers():
        raise Http404
    allowed = request.POST.get("new_users_allowed") == "1"
    sign_in_provider_set(provider=provider, new_users_allowed=allowed, by=request.user)
    name = configured_providers()[provider]
    if allowed:
        messages.success(request, _("%(provider)s may now propose new users; each waits for your approval.")
                         % {"provider": name})
    else:
        messages.success(request, _("%(provider)s no longer proposes new users.") % {"provider": name})
    return redirect("sign-in-settings")


@login_required
@require_POST
def sign_in_domain_add_view(request):
    _require_manager(request)
    form = SignInDomainForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            domain = sign_in_domain_add(provider=data["provider"], domain=data["domain"], role=data["role"],
                                        member=data["member"], by=request.user)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("People from @%(domain)s can now ask to sign in through %(provider)s.")
                             % {"domain": domain.domain, "provider": configured_providers()[domain.provider]})
            return redirect("sign-in-settings")
    return _settings_page(request, form, status=400)


@login_required
@require_POST
def sign_in_domain_remove_view(request, pk):
    _require_manager(request)
    domain = get_visible_or_404(request.user, SignInDomain, pk=pk)
    sign_in_domain_remove(domain=domain, by=request.user)
    messages.success(request, _("@%(domain)s removed: people from it are refused from now on.")
                     % {"domain": domain.domain})
    return redirect("sign-in-settings")


@login_required
@require_POST
def sign_in_request_decide(request, pk, decision):
    _require_manager(request)
    sign_in_request = get_visible_or_404(request.user, SignInRequest, pk=pk)
    try:
        if decision == "approve":
            decided = sign_in_request_approve(sign_in_request=sign_in_request, decided_by=request.user)
            messages.success(request, _("%(email)s can now sign in as %(user)s.")
                             % {"email": decided.email, "user": decided.user.username})
        else:
            sign_in_request_refuse(sign_in_request=sign_in_request, decided_by=request.user)
            messages.success(request, _("%(email)s was refused.") % {"email": sign_in_request.email})
    except ServiceError as exc:
        messages.error(request, exc.message)
    return redirect("sign-in-settings")
