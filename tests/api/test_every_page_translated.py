"""Every page of the site, walked from the URL configuration, rendered in French
and in Spanish for each kind of reader (signed out, a focal point, staff):
no English interface text is left on any of them.

English is found two ways, so that neither a string marked but never
translated nor a string never marked gets through:

- a text (or an interface attribute: title, aria-label, placeholder, alt, a
  button's value) that is one of the catalog's English msgids whose
  translation differs from it;
- a text that reads as an English sentence (two or more words that exist in
  English only, such as "the", "your", "with").

Content that is not interface text and may be English on purpose (a member's
narrative, plan content without a translation, names) is marked as such in
the markup, with `lang` (the language it is in, when known) or
`translate="no"` (what people wrote, in whatever language they wrote it); the
check skips those elements, and nothing else is exempt. The plan content of the
test data is translated, as the network's plan is, except one action's title
and one indicator's name and unit: wherever a French or Spanish page shows
them, they are inside an element with `lang="en"` (the `content` filter and its
kin, actions/templatetags/plan_translations.py).
"""

import re
from collections import defaultdict
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.test import Client
from lxml import html as lxml_html

from tests.access.walk import routes
from tests.api.test_every_url import data, path_for  # noqa: F401, F811 - `data` is a fixture

LANGUAGES = ["fr", "es"]
READERS = ("anonymous", "focal_a", "staff")
ATTRIBUTES = ("title", "aria-label", "placeholder", "alt")
# Not text a reader reads as the interface (a textarea holds what the person typed, like an input's value).
SKIPPED_TAGS = {"script", "style", "code", "pre", "template", "svg", "noscript", "textarea"}
# Words that are English and neither French nor Spanish: two of them in one text make it an English sentence.
ENGLISH_ONLY = {
    "the", "and", "your", "you", "with", "this", "that", "from", "which", "what", "when", "where", "there",
    "their", "have", "been", "will", "would", "should", "could", "was", "were", "is", "of", "to", "for",
    "by", "it", "its", "not", "yet", "any", "every", "each", "all", "none", "only", "here", "than", "then",
    "they", "them", "who", "how", "why", "click", "save", "hide", "download", "upload", "sign", "log", "out",
    "in", "at", "be", "can", "may", "must",
}
WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")
# A date or a time written the English way ("30 April 2022", "Apr. 30", "11:26 p.m.").
ENGLISH_DATE = re.compile(
    r"\b(\d{1,2} (January|February|March|April|June|July|August|September|October|November|December|Jan|Feb|Mar"
    r"|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\b|(Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\.? \d{1,2}\b)"
    r"|\d(\s| )?[ap]\.m\."
)


def english_msgids(lang: str) -> set[str]:
    """The catalog's msgids (without placeholders) that the language writes differently."""
    po = polib.pofile(str(Path(settings.BASE_DIR) / "locale" / lang / "LC_MESSAGES" / "django.po"))
    found = set()
    for entry in po.translated_entries():
        msgid = " ".join(entry.msgid.split())
        if "%" in msgid or "{" in msgid or "<" in msgid or not WORD.search(msgid):
            continue
        translation = entry.msgstr or entry.msgstr_plural.get(0, "")
        if " ".join(translation.split()).lower() != msgid.lower():
            found.add(msgid)
    return found


def interface_texts(page: str, lang: str, only: tuple[str, ...] = ()):
    """The page's texts and interface attributes, except in elements marked as
    content (lang other than the page's, or translate="no"); with `only`, the
    texts inside those tags alone."""
    root = lxml_html.document_fromstring(page)

    def skipped(element) -> bool:
        for node in element.iterancestors(tag=None):
            if node.get("translate") == "no" or (node.get("lang") and node.get("lang") != lang):
                return True
        return element.get("translate") == "no" or (element.get("lang") not in (None, lang))

    for element in root.iter():
        if not isinstance(element.tag, str) or element.tag in SKIPPED_TAGS:
            continue
        if any(a.tag in SKIPPED_TAGS for a in element.iterancestors()) or skipped(element):
            continue
        if only and element.tag not in only and not any(a.tag in only for a in element.iterancestors()):
            continue
        for text in (element.text, *(child.tail for child in element)):
            if text and text.strip():
                yield " ".join(text.split())
        for name in ATTRIBUTES:
            if element.get(name):
                yield " ".join(element.get(name).split())
        if element.tag == "input" and element.get("type") in ("submit", "button") and element.get("value"):
            yield element.get("value")


# Plan content the test data leaves in English only (see `translated_plan`).
UNTRANSLATED = {"Heat plans for the cities that have none": ("action2", "title"),
                "Share of the cities with a heat plan": ("indicator2", "name"),
                "cities that have one": ("indicator2", "unit")}
# How much of it a page may show: the start of a shortened title, say.
UNTRANSLATED_STARTS = tuple(" ".join(text.split()[:3]) for text in UNTRANSLATED)


def untranslated_content(page: str) -> tuple[int, list[str]]:
    """How many texts of the page show untranslated plan content, and those of
    them not inside an element marked `lang="en"` (self or an ancestor)."""
    root = lxml_html.document_fromstring(page)
    shown, unmarked = 0, []
    for element in root.iter():
        if not isinstance(element.tag, str) or element.tag in SKIPPED_TAGS:
            continue
        if any(a.tag in SKIPPED_TAGS for a in element.iterancestors()):
            continue
        marked = any(node.get("lang") == "en" for node in (element, *element.iterancestors()))
        for text in (element.text, *(child.tail for child in element), *(element.get(a) for a in ATTRIBUTES)):
            if text and any(start in text for start in UNTRANSLATED_STARTS):
                shown += 1
                if not marked:
                    unmarked.append(" ".join(text.split()))
    return shown, unmarked


def english_in(page: str, lang: str, msgids: set[str], only: tuple[str, ...] = ()) -> list[str]:
    found = []
    for text in interface_texts(page, lang, only):
        words = [w.lower() for w in WORD.findall(text)]
        stripped = text.strip(" :·—–-…()[]«»“”\"'.,;!?")
        if stripped in msgids or sum(w in ENGLISH_ONLY for w in words) >= 2 or ENGLISH_DATE.search(text):
            found.append(text)
    return found


@pytest.fixture
def translated_plan(data):  # noqa: F811 - the fixture imported above
    """The test data's plan content, written in French and Spanish too."""
    world, values = data
    # What members write is in their own words and language: here, English sentences.
    world.draft_a.narrative = "We have trained the staff of the city with the new tools."
    world.draft_a.save()
    world.approved_a.narrative = "All the papers were published on time, and they are read by the members."
    world.approved_a.reviewer_comment = "Thank you for the clear account of the year."
    world.approved_a.save()
    untranslated = {where: text for text, where in UNTRANSLATED.items()}
    items = {"plan": world.plan, "goal1": world.goal1, "goal2": world.goal2, "action1": world.action1,
             "action2": world.action2, "indicator1": world.indicator1, "indicator2": world.indicator2}
    for label, obj in items.items():
        for field in ("title", "name", "description", "subtitle", "unit"):
            if (label, field) in untranslated:
                # In English only: the page must say so (lang="en").
                setattr(obj, f"{field}_en", untranslated[label, field])
                setattr(obj, f"{field}_fr", "")
                setattr(obj, f"{field}_es", "")
                continue
            english = getattr(obj, f"{field}_en", None)
            if english:
                setattr(obj, f"{field}_fr", f"{english} (fr)")
                setattr(obj, f"{field}_es", f"{english} (es)")
        obj.save()
    return world, values


def readers(cast) -> dict[str, Client]:
    made = {reader: Client() for reader in READERS}
    made["focal_a"].force_login(cast.focal_a)
    made["staff"].force_login(cast.staff)
    return made


def test_every_page_is_french_or_spanish_through_and_through(translated_plan, cast):
    world, values = translated_plan
    made = readers(cast)
    leftovers: dict[str, set[str]] = defaultdict(set)
    unmarked: dict[str, set[str]] = defaultdict(set)
    pages = pages_with_untranslated = 0
    for lang in LANGUAGES:
        msgids = english_msgids(lang)
        for route in routes():
            # The API answers JSON (its messages: tests/api/test_languages.py).
            if route.pattern.startswith("api/") or route.name.startswith("api"):
                continue
            path = path_for(route, values)
            # Django's admin (staff's back office): the names of our models and fields in its column
            # headers and form labels; its own words are Django's and django-simple-history's.
            only = ("th", "label", "h1", "caption") if route.pattern.startswith("admin/") else ()
            for client in made.values():
                response = client.get(path, HTTP_ACCEPT_LANGUAGE=lang)
                if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
                    continue
                pages += 1
                page = response.content.decode()
                for text in english_in(page, lang, msgids, only):
                    leftovers[f"{lang} {path} ({route.name})"].add(text)
                if not route.pattern.startswith("admin/"):
                    shown, texts = untranslated_content(page)
                    pages_with_untranslated += bool(shown)
                    unmarked[f"{lang} {path} ({route.name})"].update(texts)
    assert pages > 100
    report = "\n".join(f"{where}: {sorted(texts)}" for where, texts in sorted(leftovers.items()))
    assert not leftovers, f"English left on {len(leftovers)} pages:\n{report}"
    # Plan content with no French or Spanish text is shown marked as English, on every page that shows it.
    assert pages_with_untranslated > 20
    unmarked = {where: texts for where, texts in unmarked.items() if texts}
    report = "\n".join(f"{where}: {sorted(texts)}" for where, texts in sorted(unmarked.items()))
    assert not unmarked, f"Untranslated plan content without lang=\"en\" on {len(unmarked)} pages:\n{report}"


@pytest.mark.django_db
def test_the_same_check_finds_the_english_of_a_page_in_english(client, cast):
    """The check is not blind: the English home page of staff is English to it."""
    client.force_login(cast.staff)
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert len(english_in(page, "en", english_msgids("fr"))) > 5


@pytest.mark.parametrize(("page", "found"), [
    ('<html lang="fr"><body><p>Enregistrer</p><p>Save the draft</p></body></html>', ["Save the draft"]),
    ('<html lang="fr"><body><p lang="en">Written by the member</p><p translate="no">Ours and theirs are the '
     'same</p></body></html>', []),
    ('<html lang="fr"><body><button title="Show the list of members">x</button></body></html>',
     ["Show the list of members"]),
    ('<html lang="fr"><body><p>Overview</p></body></html>', ["Overview"]),
    ('<html lang="fr"><body><script>var the = "and the";</script></body></html>', []),
    ('<html lang="fr"><body><td>30 April 2022</td><td>30 avril 2022</td><td>11:26 p.m.</td></body></html>',
     ["30 April 2022", "11:26 p.m."]),
])
def test_the_check_finds_english_outside_marked_content(page, found):
    assert english_in(page, "fr", {"Overview"}) == found
