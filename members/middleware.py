"""Pages in the signed-in user's own language."""

from django.utils import translation

from members.languages import language_supported
from members.models import UserProfile


class UserLanguageMiddleware:
    """After LocaleMiddleware and AuthenticationMiddleware: a signed-in user
    with a stored language reads the pages in it, whatever the browser sends.
    Anonymous users (and users who never chose) keep LocaleMiddleware's choice."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            stored = UserProfile.objects.filter(user_id=user.pk).values_list("language", flat=True).first()
            language = language_supported(stored)
            if language:
                request.LANGUAGE_CODE = language
                # Only for this request: the thread's next one starts from LocaleMiddleware again.
                with translation.override(language):
                    response = self.get_response(request)
                response.headers.setdefault("Content-Language", language)  # LocaleMiddleware keeps it
                return response
        return self.get_response(request)
