"""The language switch: Django's set_language, which also stores the choice of
a signed-in user (so that their pages and e-mails follow it)."""

from django.views.i18n import set_language as django_set_language

from members.languages import user_language_set


def set_language(request):
    """Other methods than POST change nothing and are sent back, as Django's view does."""
    response = django_set_language(request)
    if request.method == "POST" and request.user.is_authenticated:
        user_language_set(user=request.user, language=request.POST.get("language", ""))
    return response
