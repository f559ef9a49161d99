"""The languages plan content is written in (settings.LANGUAGES) and the
per-language field names django-modeltranslation gives a translated field."""

from django.conf import settings

LANGUAGE_CODES = [code for code, _name in settings.LANGUAGES]


def translated(*names: str) -> list[str]:
    """`title` → title_en, title_fr, title_es."""
    return [f"{name}_{code}" for name in names for code in LANGUAGE_CODES]
