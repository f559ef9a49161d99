"""Each user's language: stored on their profile, used by the pages they read
(`UserLanguageMiddleware`) and the e-mails they receive (`emails_by_language`).

A user who never chose one reads the site's default language (English).
"""

from collections import defaultdict
from collections.abc import Iterable

from django.conf import settings
from django.utils import translation

from members.models import UserProfile

LANGUAGE_CODES = {code for code, _name in settings.LANGUAGES}


def language_supported(code: str | None) -> str | None:
    """`code` as one of settings.LANGUAGES ("fr-CA" → "fr"), or None."""
    if not code:
        return None
    try:
        code = translation.get_supported_language_variant(code)
    except LookupError:
        return None
    return code if code in LANGUAGE_CODES else None


def user_language(user) -> str:
    """The language `user` reads: the stored one, else the site's default."""
    if user is None or not getattr(user, "pk", None):
        return settings.LANGUAGE_CODE
    stored = UserProfile.objects.filter(user_id=user.pk).values_list("language", flat=True).first()
    return language_supported(stored) or settings.LANGUAGE_CODE


def user_language_set(*, user, language: str) -> bool:
    """Store `language` as the user's choice; False (nothing stored) when it is
    not one of the site's languages."""
    language = language_supported(language)
    if language is None or not user.pk:
        return False
    UserProfile.objects.update_or_create(user_id=user.pk, defaults={"language": language})
    return True


def user_language_first(*, user, language: str) -> bool:
    """At the first sign-in, store the language the browser asked for; a
    choice already stored is kept. Returns whether anything was stored."""
    language = language_supported(language)
    if language is None or not user.pk:
        return False
    profile, created = UserProfile.objects.get_or_create(user_id=user.pk, defaults={"language": language})
    if created:
        return True
    return bool(UserProfile.objects.filter(pk=profile.pk, language="").update(language=language))


def emails_by_language(users) -> dict[str, list[str]]:
    """The e-mail addresses of `users` (a queryset of users) grouped by each
    one's language, in one query; users without an address are left out."""
    return group_by_language(users.exclude(email="").order_by("email").values_list("email", "profile__language"))


def group_by_language(pairs: Iterable[tuple[str, str | None]]) -> dict[str, list[str]]:
    """(email, stored language) pairs grouped by language (empty → default)."""
    groups: dict[str, list[str]] = defaultdict(list)
    for email, language in pairs:
        groups[language_supported(language) or settings.LANGUAGE_CODE].append(email)
    return dict(groups)
