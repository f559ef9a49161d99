"""E-mails about single sign-on requests: the secretariat hears that someone
waits for approval; the person hears the decision. Written to the outbox in
the transaction that makes or decides the request (members.sign_in_services),
sent once by the worker, each in its reader's language (staff: their stored
one; the person: the browser's when they asked)."""

from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from members.languages import emails_by_language, language_supported
from metroplan.outbox import outbox_enqueue

EVENTS = ("requested", "approved", "refused")
SUBJECTS = {
    "requested": gettext_noop("Waiting for your approval: %(email)s asks to sign in to metroplan"),
    "approved": gettext_noop("You can now sign in to metroplan"),
    "refused": gettext_noop("Your request to sign in to metroplan was refused"),
}


def queue_sign_in_request_notification(*, request_id: int, event: str) -> None:
    outbox_enqueue("members.tasks.notify_sign_in_request", request_id=request_id, event=event)


def _link(name: str) -> str:
    return settings.SITE_URL + reverse(name)


def send_sign_in_request_notification(*, request_id: int, event: str) -> int:
    """Send the e-mail now; returns the number of messages sent."""
    from members.models import SignInRequest
    from members.sign_in_services import configured_providers
    from metroplan.permissions import secretariat_users

    request = SignInRequest.objects.select_related("member", "user").filter(pk=request_id).first()
    if request is None or event not in EVENTS:
        return 0
    names = {
        "email": request.email, "name": request.name or request.email,
        "provider": configured_providers().get(request.provider, request.provider),
    }
    if event == "requested":
        groups = emails_by_language(secretariat_users())
    else:
        groups = {language_supported(request.language) or settings.LANGUAGE_CODE: [request.email]}
    sent = 0
    for language, recipients in groups.items():
        with translation.override(language):
            subject = _(SUBJECTS[event]) % names
            if event == "requested":
                if request.kind == SignInRequest.Kind.LINK:
                    what = _("to be linked to the existing user %(user)s") % {"user": request.user.username}
                elif request.member is not None:
                    what = _("to report for %(member)s as its focal point") % {"member": request.member.name}
                else:
                    what = _("to join as secretariat staff")
                body = _("%(name)s (%(email)s) signed in through %(provider)s and asks %(what)s. "
                         "Nobody is let in before you decide; approve or refuse the request here:") % {
                    **names, "what": what} + "\n" + _link("sign-in-settings")
            elif event == "approved":
                body = _("The secretariat approved your request. Sign in with the %(provider)s button here:") \
                    % names + "\n" + _link("login")
            else:
                body = _("The secretariat did not let %(email)s sign in through %(provider)s. If you think this is "
                         "a mistake, write to the secretariat.") % names
        sent += send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
    return sent
