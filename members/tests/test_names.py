"""Country and region names follow the page's language: countries from CLDR
(Babel), regions from the translation catalog."""

import html
import re

import pytest
from django.urls import reverse
from django.utils import translation

from members.names import country_name, region_name
from metroplan.testing import factories as f

COUNTRIES = {
    "en": ["Spain", "Japan", "Asia-Pacific", "Europe"],
    "fr": ["Espagne", "Japon", "Asie-Pacifique", "Europe"],
    "es": ["España", "Japón", "Asia-Pacífico", "Europa"],
}


def text(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def members(cast):
    europe = f.RegionFactory(slug="europe", name="Europe")
    asia = f.RegionFactory(slug="asia-pacific", name="Asia-Pacific")
    madrid = f.MemberFactory(slug="madrid", name="Madrid City Council", country="Spain", country_code="ES",
                             region=europe)
    tokyo = f.MemberFactory(slug="tokyo", name="Tokyo Metropolitan Government", country="Japan",
                            country_code="JP", region=asia)
    return madrid, tokyo


@pytest.mark.django_db
@pytest.mark.parametrize("lang", ["en", "fr", "es"])
def test_the_member_list_names_countries_and_regions_in_the_page_language(client, cast, members, lang):
    client.force_login(cast.staff)
    page = text(client.get(reverse("member-list"), HTTP_ACCEPT_LANGUAGE=lang))
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", page)
    for name in COUNTRIES[lang]:
        assert name in cells
    other = {"en": "Espagne", "fr": "Spain", "es": "Japan"}[lang]
    assert other not in cells


@pytest.mark.django_db
def test_the_country_filter_lists_countries_by_their_name_in_the_page_language(client, cast, members):
    client.force_login(cast.staff)
    page = text(client.get(reverse("member-list"), HTTP_ACCEPT_LANGUAGE="fr"))
    assert '<option value="ES">Espagne</option>' in page and '<option value="JP">Japon</option>' in page
    assert page.index(">Espagne<") < page.index(">Japon<")


@pytest.mark.django_db
@pytest.mark.parametrize("lang, country, region", [
    ("en", "Japan (JP)", "Asia-Pacific"), ("fr", "Japon (JP)", "Asie-Pacifique"), ("es", "Japón (JP)", "Asia-Pacífico"),
])
def test_a_member_page_names_its_country_and_region_in_the_page_language(client, cast, members, lang, country,
                                                                          region):
    client.force_login(cast.staff)
    page = text(client.get(reverse("member-detail", args=["tokyo"]), HTTP_ACCEPT_LANGUAGE=lang))
    assert f"<dd>{country}</dd>" in page
    assert f">{region}</a></dd>" in page


@pytest.mark.parametrize("lang, expected", [
    ("fr", ["Afrique", "Asie-Pacifique", "Europe", "Amérique latine et Caraïbes", "Amérique du Nord"]),
    ("es", ["África", "Asia-Pacífico", "Europa", "América Latina y el Caribe", "América del Norte"]),
])
def test_the_five_regions_of_the_data_are_in_the_catalog(lang, expected):
    names = ["Africa", "Asia-Pacific", "Europe", "Latin America & Caribbean", "North America"]
    with translation.override(lang):
        assert [region_name(n) for n in names] == expected


def test_country_names_come_from_cldr_and_keep_the_stored_english_wording():
    assert country_name("KR", "Republic of Korea", language="en") == "Republic of Korea"
    assert country_name("KR", "Republic of Korea", language="fr") == "Corée du Sud"
    assert country_name("CI", "Côte d'Ivoire", language="es") == "Côte d’Ivoire"
    assert country_name("DE", "Germany", language="es") == "Alemania"
    assert country_name("TW", "Chinese Taipei", language="fr") == "Taipei chinois"
    # A code CLDR does not know keeps the stored name.
    assert country_name("XX", "Nowhere", language="fr") == "Nowhere"
    with translation.override("fr"):
        assert country_name("US", "United States") == "États-Unis"
