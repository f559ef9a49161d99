"""Country and region names in the reader's language.

Country names come from the Unicode CLDR through Babel, by ISO 3166 code, so
they are the maintained localized names, not a list of ours. In English the
member's own `country` is shown: it is the secretariat's wording (for example
"Republic of Korea"), and CLDR's English names differ from it in places.

Region names come from the data (members.csv); the five the network uses are
marked here so that the translation catalogs hold their French and Spanish
names.
"""

from functools import lru_cache

from babel import Locale, UnknownLocaleError
from django.utils.translation import get_language, gettext, gettext_noop

# The network's own wording where CLDR's differs on purpose: the member list
# says "Chinese Taipei" (the name used by international organisations), and
# CLDR gives "Taïwan"/"Taiwán".
NETWORK_WORDING = {
    "TW": {"fr": "Taipei chinois", "es": "Taipéi Chino"},
}

REGION_NAMES = [
    gettext_noop("Africa"),
    gettext_noop("Asia-Pacific"),
    gettext_noop("Europe"),
    gettext_noop("Latin America & Caribbean"),
    gettext_noop("North America"),
]


@lru_cache(maxsize=8)
def _territories(language: str) -> dict[str, str]:
    try:
        return dict(Locale.parse(language.replace("-", "_")).territories)
    except (UnknownLocaleError, ValueError):
        return {}


def country_name(code: str, english: str = "", language: str | None = None) -> str:
    """The name of the country with ISO code `code` in `language` (default: the
    active one). In English, or for a code CLDR does not know, `english` (the
    stored name) is given when there is one."""
    language = (language or get_language() or "en").split("-")[0].lower()
    code = (code or "").upper()
    if language == "en" and english:
        return english
    if code in NETWORK_WORDING and language in NETWORK_WORDING[code]:
        return NETWORK_WORDING[code][language]
    return _territories(language).get(code) or english or code


def region_name(name: str) -> str:
    """A region's name in the active language (from the catalog; a region the
    catalog does not know keeps the name it was given)."""
    return gettext(name) if name else name
