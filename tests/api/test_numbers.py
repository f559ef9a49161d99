"""Indicator values through the API: a JSON number or a string with a point,
whatever the request's language; never a locale guess, never rounded; the
refusal names the value's field."""

import pytest

from reporting.models import IndicatorValue


@pytest.fixture
def focal_api(api, keys):
    return api(keys["focal_a"])


@pytest.fixture(autouse=True)
def _an_amount(world):
    """An indicator that takes any number with two decimals (a count takes whole numbers only)."""
    world.indicator1.measure = "currency"
    world.indicator1.save(update_fields=["measure"])


def patch_value(focal_api, world, value, language="en"):
    return focal_api.patch(
        f"/api/v1/updates/{world.draft_a.pk}/",
        {"version": 1, "values": [{"indicator": world.indicator1.pk, "value": value}]},
        format="json", HTTP_ACCEPT_LANGUAGE=language,
    )


@pytest.mark.parametrize(
    ("sent", "stored"),
    [("1.5", "1.50"), (1.5, "1.50"), (1234, "1234.00"), ("1234.56", "1234.56"), (0.1, "0.10"), ("-2.5", "-2.50"),
     ("12.", "12.00"), (".5", "0.50")],
)
@pytest.mark.parametrize("language", ["en", "fr", "es"])
def test_a_value_is_a_json_number_or_a_string_with_a_point(world, focal_api, sent, stored, language):
    response = patch_value(focal_api, world, sent, language)
    assert response.status_code == 200, response.content
    assert str(IndicatorValue.objects.get(update=world.draft_a, indicator=world.indicator1).value) == stored
    assert response.json()["values"][0]["value"] == stored


@pytest.mark.parametrize("sent", ["1,5", "1 234.5", "1,234.5", "0.125", 0.125, "1.234,5", "1e3", True])
def test_a_value_in_a_locale_format_or_with_too_many_decimals_is_400_naming_the_field(world, focal_api, sent):
    before = list(IndicatorValue.objects.filter(update=world.draft_a).values_list("value", flat=True))
    response = patch_value(focal_api, world, sent, "fr")
    assert response.status_code == 400, response.content
    assert response["Content-Type"].startswith("application/json")
    errors = response.json()["field_errors"]
    assert "values" in errors and "value" in str(errors["values"])
    assert list(IndicatorValue.objects.filter(update=world.draft_a).values_list("value", flat=True)) == before


def test_too_many_decimals_says_so_in_the_request_language(world, focal_api):
    response = patch_value(focal_api, world, "0.125", "fr")
    assert "2 décimales au plus" in str(response.json()["field_errors"])
