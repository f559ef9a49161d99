"""The interface in French and Spanish: pages follow the language chosen with the
switcher (POST /i18n/setlang/) or sent in Accept-Language; API and service errors
come back in the request's language; and the committed catalogs are complete
(every msgid translated, nothing fuzzy, placeholders kept, .mo files in step with
the .po files), read with polib and checked by GNU msgfmt, which the build runs."""

import ast
import gettext
import re
import shutil
import subprocess
from datetime import date
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.urls import reverse
from rest_framework.test import APIClient

from metroplan.testing import factories as f

LOCALE = Path(settings.BASE_DIR) / "locale"
LANGUAGES = ["fr", "es"]

# Interface text each page must show, per language. English is checked too, so
# that a test cannot pass because the page shows the same words in every language.
OVERVIEW = {
    "en": ["Overview", "Progress per goal", "Status of actions"],
    "fr": ["Vue d'ensemble", "Avancement par objectif", "Statut des actions"],
    "es": ["Panorama", "Avance por objetivo", "Estado de las acciones"],
}
LOGIN = {
    "en": ["Log in", "Forgot your password?", "Password"],
    "fr": ["Se connecter", "Mot de passe oublié", "Mot de passe"],
    "es": ["Iniciar sesión", "¿Ha olvidado su contraseña?", "Contraseña"],
}
UPDATE_FORM = {
    "en": ["Save draft", "Submit for review", "Narrative", "Not available"],
    "fr": ["Enregistrer le brouillon", "Soumettre pour examen", "Récit", "Non disponible"],
    "es": ["Guardar borrador", "Enviar para revisión", "Narrativa", "No disponible"],
}
UPDATES_HOME = {
    "en": ["Due now", "Download spreadsheet"],
    "fr": ["À rendre maintenant", "Télécharger le tableur"],
    "es": ["Pendientes ahora", "Descargar la hoja de cálculo"],
}


def text(response) -> str:
    """The page's text with entities decoded and non-breaking spaces made plain."""
    import html

    return html.unescape(response.content.decode()).replace("\u00a0", " ").replace("\u202f", " ")


@pytest.fixture
def small_plan(cast):
    """One plan, one goal, one action that member A takes part in with one
    indicator, an open period and a closed one."""
    plan = f.PlanFactory()
    goal = f.GoalFactory(plan=plan, code="1", title="Goal one")
    action = f.ActionFactory(goal=goal, code="1.1", title="Train city staff", members=[cast.member_a])
    f.IndicatorFactory(action=action, code="1.1.a", name="Cities trained", unit="cities")
    closed = f.ReportingPeriodFactory(
        plan=plan, code="2022-Q1", start=date(2022, 1, 1), end=date(2022, 3, 31), is_open=False
    )
    period = f.ReportingPeriodFactory(
        plan=plan, code="2022-Q2", start=date(2022, 4, 1), end=date(2022, 6, 30), is_open=True
    )
    return {"plan": plan, "action": action, "period": period, "closed": closed}


def edit_url(cast, period, action) -> str:
    return reverse("update-edit", args=[cast.member_a.slug, period.code, action.code])


# Pages -------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("lang", ["en", "fr", "es"])
def test_overview_speaks_the_accept_language(client, cast, small_plan, lang):
    client.force_login(cast.staff)
    response = client.get(reverse("overview"), HTTP_ACCEPT_LANGUAGE=lang)
    assert response.status_code == 200
    page = text(response)
    assert f'<html lang="{lang}">' in page
    for phrase in OVERVIEW[lang]:
        assert phrase in page, (lang, phrase)
    if lang != "en":
        assert "Progress per goal" not in page


@pytest.mark.django_db
@pytest.mark.parametrize("lang", ["en", "fr", "es"])
def test_login_page_speaks_the_accept_language(client, lang):
    page = text(client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE=lang))
    for phrase in LOGIN[lang]:
        assert phrase in page, (lang, phrase)
    if lang != "en":
        assert "Forgot your password?" not in page


@pytest.mark.django_db
@pytest.mark.parametrize("lang", ["en", "fr", "es"])
def test_update_pages_speak_the_accept_language(client, cast, small_plan, lang):
    client.force_login(cast.focal_a)
    form = text(client.get(edit_url(cast, small_plan["period"], small_plan["action"]), HTTP_ACCEPT_LANGUAGE=lang))
    for phrase in UPDATE_FORM[lang]:
        assert phrase in form, (lang, phrase)
    home = text(client.get(reverse("updates"), HTTP_ACCEPT_LANGUAGE=lang))
    for phrase in UPDATES_HOME[lang]:
        assert phrase in home, (lang, phrase)
    if lang != "en":
        assert "Submit for review" not in form and "Due now" not in home


@pytest.mark.django_db
@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_language_switcher_sets_the_language_for_the_following_pages(client, cast, small_plan, lang):
    client.force_login(cast.focal_a)
    response = client.post("/i18n/setlang/", {"language": lang, "next": reverse("updates")})
    assert response.status_code == 302 and response["Location"] == reverse("updates")
    # No Accept-Language from here on: the choice made with the switcher is what counts.
    for url, phrases in [
        (reverse("overview"), OVERVIEW[lang]),
        (edit_url(cast, small_plan["period"], small_plan["action"]), UPDATE_FORM[lang]),
        (reverse("updates"), UPDATES_HOME[lang]),
    ]:
        page = text(client.get(url))
        assert f'<html lang="{lang}">' in page
        for phrase in phrases:
            assert phrase in page, (url, phrase)
    # The switcher shows the chosen language as selected, and switching back works.
    assert f'<option value="{lang}" selected>' in text(client.get(reverse("overview")))
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert "Progress per goal" in text(client.get(reverse("overview")))


@pytest.mark.django_db
def test_the_switcher_wins_over_accept_language(client, cast, small_plan):
    client.force_login(cast.staff)
    client.post("/i18n/setlang/", {"language": "es", "next": "/"})
    page = text(client.get(reverse("overview"), HTTP_ACCEPT_LANGUAGE="fr"))
    assert "Avance por objetivo" in page and "Avancement par objectif" not in page


@pytest.mark.django_db
@pytest.mark.parametrize("lang, expected", [
    ("fr", "Votre nom d'utilisateur et votre mot de passe ne correspondent pas."),
    ("es", "Su nombre de usuario y su contraseña no coinciden."),
])
def test_a_failed_login_says_so_in_the_request_language(client, cast, lang, expected):
    response = client.post(reverse("login"), {"username": "focal-a", "password": "wrong"}, HTTP_ACCEPT_LANGUAGE=lang)
    assert expected in text(response)


# Service and API errors --------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("lang, warning, field_error", [
    ("fr", "Vos modifications sont enregistrées comme brouillon, mais la mise à jour n'a pas été soumise",
     "Rédigez un récit avant de soumettre."),
    ("es", "Sus cambios se han guardado como borrador, pero la actualización no se ha enviado",
     "Escriba una narrativa antes de enviar."),
])
def test_a_refused_submission_explains_itself_in_the_request_language(client, cast, small_plan, lang, warning,
                                                                      field_error):
    client.force_login(cast.focal_a)
    response = client.post(
        edit_url(cast, small_plan["period"], small_plan["action"]),
        {"version": 0, "intent": "submit", "narrative": "", "status": "on_track"},
        HTTP_ACCEPT_LANGUAGE=lang,
    )
    assert response.status_code == 400
    page = text(response)
    assert warning in page and field_error in page
    assert "Write a narrative before you submit." not in page


@pytest.mark.django_db
@pytest.mark.parametrize("lang, expected", [
    ("fr", "La période 2022-Q1 n'accepte plus de soumissions. Demandez au secrétariat de la rouvrir."),
    ("es", "El período 2022-Q1 ya no admite envíos. Pida a la secretaría que lo reabra."),
])
def test_a_service_error_from_a_closed_period_is_in_the_request_language(client, cast, small_plan, lang,
                                                                         expected):
    client.force_login(cast.focal_a)
    indicator = small_plan["action"].indicators.get()
    response = client.post(
        edit_url(cast, small_plan["closed"], small_plan["action"]),
        {"version": 0, "intent": "submit", "narrative": "Late news", "status": "on_track",
         f"ind_{indicator.pk}_value": "4"},
        HTTP_ACCEPT_LANGUAGE=lang,
    )
    assert response.status_code == 400
    page = text(response)
    assert expected in page
    assert "is closed to new submissions" not in page


@pytest.mark.django_db
@pytest.mark.parametrize("lang, not_found, read_only", [
    ("en", "Not found.", "This token has the read scope and cannot write."),
    ("fr", "Introuvable.", "Ce jeton a une portée de lecture et ne peut pas écrire."),
    ("es", "No encontrado.", "Este token tiene alcance de lectura y no puede escribir."),
])
def test_api_error_messages_follow_accept_language(cast, small_plan, lang, not_found, read_only):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {cast.read_key}", HTTP_ACCEPT_LANGUAGE=lang)
    missing = api.get("/api/v1/no-such-endpoint/")
    assert missing.status_code == 404
    assert missing.json()["message"] == not_found
    refused = api.post("/api/v1/updates/", {"action": "1.1", "period": "2022-Q2"}, format="json")
    assert refused.status_code == 403
    assert refused.json()["message"] == read_only


@pytest.mark.django_db
@pytest.mark.parametrize("lang, expected", [
    ("fr", "Pas de période de rapport 'nope' dans le plan 2021-2023."),
    ("es", "No hay ningún período de informe 'nope' en el plan 2021-2023."),
])
def test_api_field_errors_follow_accept_language(cast, small_plan, lang, expected):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {cast.read_key}", HTTP_ACCEPT_LANGUAGE=lang)
    response = api.get("/api/v1/figures/", {"period": "nope"})
    assert response.status_code == 400
    assert response.json()["field_errors"]["period"] == [expected]


@pytest.mark.django_db
def test_api_validation_messages_follow_accept_language(cast, small_plan):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {cast.write_key_a}", HTTP_ACCEPT_LANGUAGE="fr")
    response = api.post(
        "/api/v1/updates/",
        {"action": "1.1", "period": "2022-Q2", "narrative": "x", "status": "on_track",
         "values": [{"indicator": small_plan["action"].indicators.get().pk, "value": 3, "not_available": True,
                     "reason": "r"}]},
        format="json",
    )
    assert response.status_code == 400
    assert "Indiquez un nombre ou marquez la valeur comme non disponible, pas les deux." in str(response.json())


# The catalogs ------------------------------------------------------------------------------
#
# Read with polib (the catalogs' own format, parsed by a maintained library).


def catalog(lang: str) -> polib.POFile:
    return polib.pofile(str(LOCALE / lang / "LC_MESSAGES" / "django.po"))


def catalog_problems(po: polib.POFile) -> dict[str, list[str]]:
    """What keeps a catalog from being complete, by kind: entries untranslated
    (a plural form left empty counts), fuzzy, obsolete, or with the wrong
    number of plural forms for the language."""
    nplurals = int(re.search(r"nplurals=(\d+)", po.metadata.get("Plural-Forms", "")).group(1))
    live = [e for e in po if not e.obsolete]
    return {
        "untranslated": [e.msgid for e in po.untranslated_entries()],
        "fuzzy": [e.msgid for e in po.fuzzy_entries()],
        "obsolete": [e.msgid for e in po.obsolete_entries()],
        "wrong_forms": [e.msgid for e in live if e.msgid_plural and sorted(e.msgstr_plural) != list(range(nplurals))],
    }


NO_PROBLEM = {"untranslated": [], "fuzzy": [], "obsolete": [], "wrong_forms": []}

PLACEHOLDER = re.compile(r"%\([a-z_]+\)[-#0 +]*\d*(?:\.\d+)?[sdfr]|%%|%[sd]|</?[a-z]+[^>]*>")


def test_the_check_finds_every_kind_of_incomplete_entry(tmp_path):
    po = tmp_path / "x.po"
    po.write_text(
        'msgid ""\nmsgstr ""\n"Language: fr\\n"\n"Plural-Forms: nplurals=2; plural=(n > 1);\\n"\n\n'
        'msgid "Done"\nmsgstr "Fait"\n\n'
        'msgid "Empty"\nmsgstr ""\n\n'
        '#, fuzzy\nmsgid "Guessed"\nmsgstr "Deviné"\n\n'
        'msgid "One %(n)s"\nmsgid_plural "Many %(n)s"\nmsgstr[0] "Un %(n)s"\nmsgstr[1] ""\n\n'
        'msgid "Day"\nmsgid_plural "Days"\nmsgstr[0] "Jour"\n\n'
        '#~ msgid "Old"\n#~ msgstr "Vieux"\n',
        encoding="utf-8",
    )
    assert catalog_problems(polib.pofile(str(po))) == {
        "untranslated": ["Empty", "One %(n)s"], "fuzzy": ["Guessed"], "obsolete": ["Old"], "wrong_forms": ["Day"],
    }


@pytest.mark.parametrize("lang", LANGUAGES)
def test_catalog_has_a_proper_header(lang):
    po = catalog(lang)
    assert po.metadata["Language"] == lang
    assert "charset=UTF-8" in po.metadata["Content-Type"]
    assert "nplurals=" in po.metadata["Plural-Forms"]
    assert not po.metadata_is_fuzzy
    assert len(po.translated_entries()) > 500  # every interface string, not a sample


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_msgid_is_translated_and_nothing_is_fuzzy(lang):
    assert catalog_problems(catalog(lang)) == NO_PROBLEM


@pytest.mark.parametrize("lang", LANGUAGES)
def test_msgfmt_accepts_the_catalog_with_nothing_untranslated_or_fuzzy(lang, tmp_path):
    """GNU msgfmt, the compiler the build runs, agrees: it checks formats
    (python-format) and counts nothing untranslated or fuzzy."""
    source = LOCALE / lang / "LC_MESSAGES" / "django.po"
    run = subprocess.run(
        [_gettext_tool("msgfmt"), "--check", "--statistics", "-o", str(tmp_path / "django.mo"), str(source)],
        capture_output=True, text=True, env={"LC_ALL": "C", "PATH": "/usr/bin:/bin"},
    )
    assert run.returncode == 0, run.stderr
    assert re.fullmatch(r"\d+ translated messages\.\n", run.stderr), run.stderr


def _gettext_tool(name: str) -> str:
    """The path of a GNU gettext program: the build compiles the catalogs with
    it (deploy/build-checks.sh), so a missing one fails rather than skips."""
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is missing: apt-get install gettext")
    return path


@pytest.mark.parametrize("lang", LANGUAGES)
def test_translations_keep_every_placeholder_and_tag(lang):
    broken = []
    for e in catalog(lang).translated_entries():
        if "python-format" not in e.flags and "<" not in e.msgid:
            continue
        if e.msgid_plural:
            pairs = [(e.msgid if index == 0 else e.msgid_plural, text, index) for index, text in
                     sorted(e.msgstr_plural.items())]
        else:
            pairs = [(e.msgid, e.msgstr, 0)]
        for source, translation, index in pairs:
            wanted = sorted(PLACEHOLDER.findall(source))
            got = sorted(PLACEHOLDER.findall(translation))
            # Singular forms may leave the count out ("un membre"), never add or rename one.
            if got != wanted and not (e.msgid_plural and index == 0 and set(got) <= set(wanted)):
                broken.append((e.msgid, translation))
    assert broken == []


@pytest.mark.parametrize("lang", LANGUAGES)
def test_literal_keywords_that_spreadsheets_accept_stay_untranslated(lang):
    """Import sheets only understand English column names and 'yes'; the help
    texts must keep quoting them as they are."""
    by_id = {e.msgid: e.msgstr for e in catalog(lang) if not e.msgctxt and not e.obsolete}
    assert "yes" in by_id["Write 'yes' in the delete column to delete an item (refused for actions with progress "
                          "updates)."]
    assert "delete" in by_id["Write 'yes' in the delete column to delete an item (refused for actions with "
                             "progress updates)."]
    assert "increase" in by_id["direction: write increase or decrease."]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_compiled_mo_matches_the_po(lang):
    """The .mo file is committed (the site runs from a checkout without gettext
    tools) and must carry exactly what the .po says."""
    mo_path = LOCALE / lang / "LC_MESSAGES" / "django.mo"
    assert mo_path.exists(), "run manage.py compilemessages and commit the .mo files"
    with mo_path.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    stale = []
    for e in catalog(lang).translated_entries():
        key = f"{e.msgctxt}\x04{e.msgid}" if e.msgctxt else e.msgid
        if e.msgid_plural:
            for index, value in e.msgstr_plural.items():
                if compiled._catalog.get((key, index)) != value:
                    stale.append((e.msgid, index))
        elif compiled._catalog.get(key) != e.msgstr:
            stale.append(e.msgid)
    assert stale == []


def test_python_files_mark_their_flash_messages_for_translation():
    """messages.success/error/warning/info in views always get a translated string,
    never a bare literal."""
    offenders = []
    for path in Path(settings.BASE_DIR).glob("*/**/*.py"):
        if any(part in {".venv", "tests", "migrations", "bench"} for part in path.parts):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and isinstance(node.func.value, ast.Name) and node.func.value.id == "messages"
                    and node.func.attr in {"success", "error", "warning", "info"} and len(node.args) > 1):
                message = node.args[1]
                if isinstance(message, (ast.Constant, ast.JoinedStr)):
                    offenders.append(f"{path}:{node.lineno}")
    assert offenders == []


def test_the_language_names_in_settings_are_translated():
    from django.utils import translation

    with translation.override("fr"):
        assert [str(name) for _, name in settings.LANGUAGES] == ["Anglais", "Français", "Espagnol"]
    with translation.override("es"):
        assert [str(name) for _, name in settings.LANGUAGES] == ["Inglés", "Francés", "Español"]


@pytest.mark.parametrize("lang, expected", [
    ("en", "updates received from 3 of 4"),
    ("fr", "mises à jour reçues\u00a0: 3 sur 4"),
    ("es", "actualizaciones recibidas: 3 de 4"),
])
def test_a_figures_coverage_line_is_in_the_active_language(lang, expected):
    from django.utils import translation
    from django.utils.translation import gettext_lazy

    from reporting.figures import Figure

    figure = Figure(value=0.5, rule="r", covered=3, expected=4, coverage_label=gettext_lazy("updates received"))
    with translation.override(lang):
        assert figure.coverage == expected


@pytest.mark.django_db
@pytest.mark.parametrize("lang, late, excused", [
    ("en", '>L</span>late', '>E</span>excused'),
    ("fr", '>R</span>en retard', '>E</span>excusée'),
    ("es", '>R</span>con retraso', '>J</span>justificada'),
])
def test_the_heatmap_legend_uses_letters_of_the_request_language(client, cast, small_plan, lang, late, excused):
    client.force_login(cast.staff)
    page = text(client.get(reverse("compliance"), HTTP_ACCEPT_LANGUAGE=lang))
    assert late in page and excused in page


def test_catalogs_cover_every_string_marked_in_the_code(tmp_path, settings, monkeypatch):
    """makemessages over a copy of the code and of the committed catalogs finds
    nothing new: a string marked for translation but never translated fails."""
    from django.core.management import call_command

    for tool in ("xgettext", "msgmerge"):
        _gettext_tool(tool)
    source = tmp_path / "src"
    shutil.copytree(settings.BASE_DIR, source, ignore=shutil.ignore_patterns(
        ".*", "var", "static", "tests", "bench", "test-output", "node_modules", "data", "__pycache__", "*.mo",
        "*.png", "*.xlsx", "*.pdf",
    ))
    settings.LOCALE_PATHS = [source / "locale"]
    monkeypatch.chdir(source)
    call_command("makemessages", locale=LANGUAGES, verbosity=0, no_obsolete=True)
    for lang in LANGUAGES:
        po = polib.pofile(str(source / "locale" / lang / "LC_MESSAGES" / "django.po"))
        assert len(po) > 500
        missing = catalog_problems(po)
        assert missing == NO_PROBLEM, f"{lang}: add these to the catalog and translate them"
