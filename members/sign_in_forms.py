"""The sign-in form (ACCOUNT_FORMS["login"]): django-allauth's, with the field
names the site has always had (`username`, `password`: password managers,
scripts and django-axes, which reads the username from the POST, know them),
and the rules of metroplan/permissions.py on who may use a password."""

from allauth.account.forms import LoginForm as AllauthLoginForm
from django import forms
from django.utils.translation import gettext_lazy as _

from metroplan.permissions import may_sign_in_with_password
from metroplan.security import shorten_staff_sessions


class LoginForm(AllauthLoginForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"] = self.fields.pop("login")
        self.fields["username"].label = _("Username")
        self.fields["username"].widget.attrs.pop("placeholder", None)
        self.fields["password"].label = _("Password")
        self.fields["password"].help_text = ""
        self.fields["password"].widget.attrs.pop("placeholder", None)
        self.order_fields(["username", "password"])

    def clean_username(self) -> str:
        return self.cleaned_data["username"].strip()

    def user_credentials(self) -> dict:
        self.cleaned_data["login"] = self.cleaned_data.get("username", "")
        return super().user_credentials()

    def clean(self):
        cleaned_data = super().clean()
        if self.user is not None and not may_sign_in_with_password(self.user):
            self.user = None
            raise forms.ValidationError(
                _("Secretariat staff sign in with their organisation's account: use the button above."),
                code="password_not_for_staff",
            )
        return cleaned_data

    def login(self, request, redirect_url=None):
        response = super().login(request, redirect_url)
        # allauth sets the session's age after signing in; staff's is shorter.
        if request.user.is_authenticated:
            shorten_staff_sessions(sender=None, request=request, user=request.user)
        return response
