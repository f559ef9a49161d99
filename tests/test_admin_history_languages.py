"""django-simple-history's pages in the admin (an object's history, one of its
versions) read in French and in Spanish: the library's words go through the
project's catalog (templates/simple_history/, metroplan/simple_history_strings.py),
since it ships no Spanish catalog and its breadcrumbs say "historical …"."""

import re

import pytest
from lxml import html as lxml_html

from metroplan.testing import factories as f

# simple_history's English words (its templates and its Python code), and Python's None.
ENGLISH = re.compile(
    r"\b(Choose a date|doesn't have|Object|Date/time|Comment|Changed by|Change reason|Changes|None|Revert|"
    r"Change History|Close|Press the|View history|Change history|entry|entries|[Hh]istorical|Created|Changed|"
    r"Deleted|History)\b"
)
EXPECTED = {
    "fr": {
        "list": ["Historique des modifications : 1.1 Plans de chaleur", "Choisissez une date dans la liste",
                 "Objet", "Date et heure", "Commentaire", "Modifié par", "Motif de la modification",
                 "Modifications", "Création", "Modification", "2 entrées"],
        "version": ["Rétablir 1.1 Plans de chaleur", "Rétablir : action", "Cliquez sur le bouton « Rétablir »",
                    'value="Rétablir"', "Fermer", "Plan</a>", "Actions</a>"],
    },
    "es": {
        "list": ["Historial de cambios: 1.1 Plans de chaleur", "Elija una fecha de la lista", "Objeto",
                 "Fecha y hora", "Comentario", "Modificado por", "Motivo del cambio", "Cambios", "Creación",
                 "Modificación", "2 entradas"],
        "version": ["Restaurar 1.1 Plans de chaleur", "Restaurar: acción", "Pulse el botón «Restaurar»",
                    'value="Restaurar"', "Cerrar", "Plan</a>", "Acciones</a>"],
    },
}


def interface_text(page: str) -> str:
    """The page's title, breadcrumbs and main content (not the admin's app list)."""
    root = lxml_html.document_fromstring(page)
    parts = root.xpath("//title | //div[@class='breadcrumbs'] | //div[@id='content']")
    for part in parts:
        for hidden in part.xpath(".//script | .//style"):
            hidden.drop_tree()
    texts = [" ".join(part.text_content().split()) for part in parts]
    values = root.xpath("//div[@id='content']//input[@type='submit']/@value")
    return " | ".join([*texts, *values])


@pytest.mark.django_db
@pytest.mark.parametrize("lang", ["fr", "es"])
def test_an_objects_history_pages_in_the_admin_are_in_the_readers_language(client, lang):
    action = f.ActionFactory(code="1.1", title="Plans de chaleur")
    action.status = "at_risk"
    action.save()
    record = action.history.order_by("-history_date").first()
    client.force_login(f.StaffFactory(is_superuser=True))
    pages = {
        "list": client.get(f"/admin/actions/action/{action.pk}/history/", HTTP_ACCEPT_LANGUAGE=lang),
        "version": client.get(f"/admin/actions/action/{action.pk}/history/{record.history_id}/",
                              HTTP_ACCEPT_LANGUAGE=lang),
    }
    for name, response in pages.items():
        assert response.status_code == 200, name
        page = response.content.decode()
        shown = interface_text(page)
        for phrase in EXPECTED[lang][name]:
            assert phrase in page or phrase in shown, (lang, name, phrase, shown)
        assert ENGLISH.findall(shown) == [], (lang, name, shown)


@pytest.mark.django_db
def test_the_check_finds_the_english_of_the_history_page_in_english(client):
    action = f.ActionFactory(code="1.1", title="Plans de chaleur")
    client.force_login(f.StaffFactory(is_superuser=True))
    page = client.get(f"/admin/actions/action/{action.pk}/history/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert {"Object", "Changed by", "Change reason", "Created"} <= set(ENGLISH.findall(interface_text(page)))
