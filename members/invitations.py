"""The invitation a focal point receives: a one-time link to choose their
password (Django's password reset token and confirm view: the link stops
working once a password is set with it, or once they sign in, and after
PASSWORD_RESET_TIMEOUT), rendered at send time in their language."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from members.languages import user_language
from metroplan.links import absolute_url


def invitation_link(user) -> str:
    """A fresh one-time link for `user` to choose their password."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return absolute_url(reverse("password_reset_confirm", kwargs={"uidb64": uid, "token": token}))


def invitation_send(*, user_id: int) -> int:
    """Send the invitation now (the outbox's task); nothing for a user who
    has been deactivated, has no address or reports for no member."""
    user = (
        get_user_model().objects.filter(pk=user_id, is_active=True, focal_point__isnull=False)
        .exclude(email="").select_related("focal_point__member").first()
    )
    if user is None:
        return 0
    context = {
        "member": user.focal_point.member, "username": user.get_username(), "link": invitation_link(user),
        "days": max(1, settings.PASSWORD_RESET_TIMEOUT // 86400), "site_url": absolute_url("/"),
    }
    with translation.override(user_language(user)):
        subject = " ".join(render_to_string("registration/focal_point_invite_subject.txt", context).split())
        body = render_to_string("registration/focal_point_invite_email.txt", context)
    return send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])
