"""The first sign-in stores the language the browser asked for."""

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from members.languages import user_language_first


@receiver(user_logged_in, dispatch_uid="members.store_first_language")
def store_first_language(sender, request, user, **kwargs):
    # LANGUAGE_CODE is LocaleMiddleware's reading of the browser (Accept-Language,
    # or the switch's cookie); a sign-in outside a request (a test's force_login) stores nothing.
    language = getattr(request, "LANGUAGE_CODE", None)
    if language:
        user_language_first(user=user, language=language)
