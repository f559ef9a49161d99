"""Indicator types: each value is checked against its indicator's measure by
one rule (Indicator.clean_value), and refused with an error naming the field
in the form, the spreadsheet (the cell) and the API (field_errors); nothing
half-saved. Existing indicators become counts or percentages by their unit."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from openpyxl.utils import get_column_letter

from actions.models import Indicator
from metroplan.testing import factories as f
from reporting.models import IndicatorValue, ProgressUpdate
from reporting.spreadsheet import VALUE_KEYS, VALUES

from .test_spreadsheet import download, fill_good, rows, upload
from .test_update_pages import edit_url, form_data

pytestmark = pytest.mark.django_db


def indicator(measure, **kwargs):
    return Indicator(measure=measure, code="x", baseline=0, target=10, **kwargs)


@pytest.mark.parametrize(
    ("measure", "raw", "extra", "expected"),
    [
        ("count", "12", {}, Decimal("12")),
        ("percentage", "45,5 %", {}, Decimal("45.5")),
        ("percentage", "45%", {}, Decimal("45")),
        ("currency", "1 234,56", {}, Decimal("1234.56")),
        ("yes_no", "1", {}, Decimal("1")),
        ("yes_no", "non", {}, Decimal("0")),
        ("qualitative", "2", {"scale": ["not started", "in progress", "achieved"]}, Decimal("2")),
        ("qualitative", "En cours", {"scale": ["pas commencé", "en cours", "atteint"]}, Decimal("1")),
    ],
)
def test_a_value_of_the_right_type_is_taken(measure, raw, extra, expected):
    value, numerator, denominator = indicator(measure, **extra).clean_value(raw, language="fr")
    assert value == expected and numerator is None and denominator is None


def test_a_ratio_keeps_its_parts_and_its_value_is_their_quotient():
    assert indicator("ratio").clean_value(None, numerator="3", denominator="4", language="en") == (
        Decimal("0.75"), Decimal("3"), Decimal("4"))


@pytest.mark.parametrize(
    ("measure", "raw", "extra", "field", "message"),
    [
        ("count", "2.5", {}, "value", "This indicator counts: give a whole number."),
        ("yes_no", "2", {}, "value", "This indicator is yes or no: give 1 for yes or 0 for no."),
        ("qualitative", "3", {"scale": ["a", "b", "c"]}, "value", "Choose a step of the scale: 0 = a, 1 = b, 2 = c."),
        ("qualitative", "0.5", {"scale": ["a", "b"]}, "value", "Choose a step of the scale: 0 = a, 1 = b."),
        ("count", "12 %", {}, "value", "“12 %” is not a number; write it like 1234.5."),
        ("ratio", None, {"numerator": "3", "denominator": "0"}, "denominator", "The denominator cannot be zero."),
        ("ratio", None, {"numerator": "3"}, "denominator", "Give the denominator as well."),
        ("ratio", "0.5", {}, "numerator",
         "This indicator is a ratio: give its numerator and denominator, not a value."),
        ("count", "3", {"numerator": "1", "denominator": "2"}, "value",
         "Only a ratio indicator takes a numerator and a denominator."),
    ],
)
def test_a_value_of_the_wrong_type_is_refused_naming_the_field(measure, raw, extra, field, message):
    scale = extra.pop("scale", [])
    with pytest.raises(ValidationError) as caught:
        indicator(measure, scale=scale).clean_value(raw, language="en", **extra)
    assert caught.value.message_dict == {field: [message]}


def test_counts_show_as_whole_numbers_and_percentages_with_one_decimal():
    assert indicator("count").display_decimals == 0
    assert indicator("percentage").display_decimals == 1
    assert indicator("currency").display_decimals == 2
    assert indicator("count", decimals=2).display_decimals == 2


# The form ---------------------------------------------------------------------------------------


def test_the_form_refuses_a_fraction_of_a_count_next_to_its_field(client, cast, world):
    client.force_login(cast.focal_a)
    response = client.post(edit_url(world), form_data(world, **{f"ind_{world.ind_count.pk}_value": "2,5"}),
                           HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 400
    assert response.context["form"].errors[f"ind_{world.ind_count.pk}_value"] == [
        "Cet indicateur compte : donnez un nombre entier."]
    assert not ProgressUpdate.objects.exists()


def test_the_form_takes_a_ratio_as_numerator_and_denominator_and_names_a_zero_denominator(client, cast, world):
    world.ind_count.measure = Indicator.Measure.RATIO
    world.ind_count.save()
    client.force_login(cast.focal_a)
    prefix = f"ind_{world.ind_count.pk}_"
    bad = form_data(world, **{prefix + "value": "", prefix + "numerator": "3", prefix + "denominator": "0"})
    response = client.post(edit_url(world), bad)
    assert response.status_code == 400
    assert response.context["form"].errors[prefix + "denominator"] == ["The denominator cannot be zero."]
    assert 'name="' + prefix + 'numerator"' in response.content.decode()
    assert not ProgressUpdate.objects.exists()
    good = form_data(world, **{prefix + "value": "", prefix + "numerator": "3", prefix + "denominator": "4"})
    assert client.post(edit_url(world), good).status_code == 302
    stored = IndicatorValue.objects.get(indicator=world.ind_count)
    assert (stored.value, stored.numerator, stored.denominator) == (Decimal("0.75"), Decimal("3"), Decimal("4"))


# The spreadsheet --------------------------------------------------------------------------------


def test_the_spreadsheet_names_the_cell_of_a_value_of_the_wrong_type(client, cast, world):
    world.ind_count.measure = Indicator.Measure.YES_NO
    world.ind_count.save()
    client.force_login(cast.focal_a)
    book = download(client)
    _updates, values = fill_good(book)
    values[("2022-Q2", "1.1", "1.1.a")]["value"].value = 7
    response = upload(client, book)
    errors = response.context["result"].errors
    value_column = get_column_letter(VALUE_KEYS.index("value") + 1)
    assert [(e.sheet, e.cell, e.message) for e in errors] == [
        ("Indicator values", f"{value_column}{errors[0].row}",
         "This indicator is yes or no: give 1 for yes or 0 for no.")]
    assert not ProgressUpdate.objects.exists()  # nothing half-saved


def test_the_spreadsheet_takes_ratio_parts_and_names_a_zero_denominator_cell(client, cast, world):
    world.ind_count.measure = Indicator.Measure.RATIO
    world.ind_count.save()
    client.force_login(cast.focal_a)
    book = download(client)
    _updates, values = fill_good(book)
    assert [c.value for c in book["Indicator values"][2]][-2:] == ["Numerator", "Denominator"]
    row = rows(book, VALUES)[("2022-Q2", "1.1", "1.1.a")]
    row["value"].value = None
    row["numerator"].value, row["denominator"].value = 3, 0
    errors = upload(client, book).context["result"].errors
    denominator = get_column_letter(VALUE_KEYS.index("denominator") + 1)
    assert [(e.cell.rstrip("0123456789"), e.message) for e in errors] == [
        (denominator, "The denominator cannot be zero.")]
    row["denominator"].value = 4
    assert upload(client, book).status_code == 302
    stored = IndicatorValue.objects.get(indicator=world.ind_count)
    assert (stored.value, stored.numerator, stored.denominator) == (Decimal("0.75"), Decimal("3"), Decimal("4"))


# The API ----------------------------------------------------------------------------------------


def test_the_api_names_the_field_of_a_value_of_the_wrong_type(cast, world):
    from rest_framework.test import APIClient

    world.ind_budget.measure = Indicator.Measure.RATIO
    world.ind_budget.save()
    api = APIClient()
    api.force_authenticate(cast.focal_a)
    body = {"action": "1.1", "period": "2022-Q2", "values": [
        {"indicator": world.ind_count.pk, "value": "2.5"},
        {"indicator": world.ind_budget.pk, "numerator": "1", "denominator": "0"},
    ]}
    response = api.post("/api/v1/updates/", body, format="json")
    assert response.status_code == 400
    assert response.json()["field_errors"] == {"values": [
        "[0] value: This indicator counts: give a whole number.",
        "[1] denominator: The denominator cannot be zero.",
    ]}
    assert not ProgressUpdate.objects.exists()
    body["values"] = [{"indicator": world.ind_count.pk, "value": 2},
                      {"indicator": world.ind_budget.pk, "numerator": "1", "denominator": "4"}]
    response = api.post("/api/v1/updates/", body, format="json")
    assert response.status_code == 201, response.content
    assert {v["indicator_code"]: v["value"] for v in response.json()["values"]} == {"1.1.a": "2.00", "1.1.b": "0.25"}


# The migration ----------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_migration_makes_counts_and_percentages_and_keeps_every_value():
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    before = [("actions", "0011_modified_for_sync"), ("reporting", "0019_open_data_package")]
    after = [("actions", "0013_indicator_measure_from_unit"), ("reporting", "0020_ratio_parts")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    # Plans, members and updates are as today's models write them (these migrations do not touch them;
    # a submitted update: an approved one would also write today's approved-values table, not there yet).
    update = f.ProgressUpdateFactory(state="submitted")
    Indicator_ = old.get_model("actions", "Indicator")
    members = Indicator_.objects.create(action_id=update.action_id, code="1.1.a", name="M", unit="members",
                                        unit_en="members", baseline=0, target=10)
    share = Indicator_.objects.create(action_id=update.action_id, code="1.1.b", name="S", unit="%", unit_en="%",
                                      baseline=0, target=50)
    Value = old.get_model("reporting", "IndicatorValue")
    Value.objects.create(update_id=update.pk, indicator=members, value=Decimal("7.25"))
    Value.objects.create(update_id=update.pk, indicator=share, value=None, not_available=True,
                         not_available_reason="n/a")
    values_before = sorted(Value.objects.values_list("indicator__code", "value", "not_available",
                                                     "not_available_reason"))

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(after)
    new = executor.loader.project_state(after).apps
    assert dict(new.get_model("actions", "Indicator").objects.values_list("code", "measure")) == {
        "1.1.a": "count", "1.1.b": "percentage"}
    assert sorted(new.get_model("reporting", "IndicatorValue").objects.values_list(
        "indicator__code", "value", "not_available", "not_available_reason")) == values_before
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
