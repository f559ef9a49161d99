"""Disaggregation: an indicator may ask for its values by sex and by age
group; parts are saved with the value, never more than the total (a clear
error naming the field, nothing half-saved), in the form, the spreadsheet
and the API."""

from decimal import Decimal

import pytest

from actions.disaggregation import parts_refusals
from metroplan.services import ValidationError
from metroplan.testing import factories as f
from reporting import services
from reporting.models import IndicatorValue, ProgressUpdate
from reporting.services import IndicatorEntry

from .test_update_pages import edit_url, form_data

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def split(world):
    world.ind_count.by_sex = world.ind_count.by_age = True
    world.ind_count.save()
    return world


def test_the_parts_rule():
    indicator = f.IndicatorFactory.build(code="6.1.a", by_sex=True)
    assert parts_refusals(indicator, D("10"), {"women": D("6"), "men": D("4")}) == {}
    assert parts_refusals(indicator, D("10"), {"women": D("6")}) == {}  # fewer is allowed (a quality flag)
    refused = parts_refusals(indicator, D("10"), {"women": D("6"), "men": D("5")})
    assert list(refused) == ["women"] and "11" in refused["women"] and "10" in refused["women"]
    assert list(parts_refusals(indicator, D("10"), {"youth": D("1")})) == ["youth"]  # not asked
    assert list(parts_refusals(indicator, D("10"), {"men": D("-1")})) == ["men"]
    assert list(parts_refusals(indicator, None, {"men": D("1")})) == ["men"]


def test_the_service_saves_parts_and_refuses_parts_over_the_total_saving_nothing(cast, split):
    good = {split.ind_count.pk: IndicatorEntry(value=D("12"), parts={"women": D("7"), "men": D("5"), "youth": D("4")})}
    update = services.update_save(user=cast.focal_a, member=cast.member_a, action=split.action, period=split.period,
                                  narrative="First", values=good)
    value = IndicatorValue.objects.get(update=update)
    assert (value.women, value.men, value.sex_other, value.youth, value.age_other) == (D("7"), D("5"), None, D("4"),
                                                                                        None)
    bad = {split.ind_count.pk: IndicatorEntry(value=D("12"), parts={"youth": D("9"), "age_other": D("4")})}
    with pytest.raises(ValidationError) as raised:
        services.update_save(user=cast.focal_a, member=cast.member_a, action=split.action, period=split.period,
                             narrative="Second", values=bad, expected_version=update.version)
    assert list(raised.value.message_dict) == [f"indicator_{split.ind_count.pk}_youth"]
    update.refresh_from_db()
    value.refresh_from_db()
    assert update.narrative == "First" and value.youth == D("4")


def test_the_form_names_the_part_and_saves_nothing(client, cast, split):
    client.force_login(cast.focal_a)
    pk = split.ind_count.pk
    page = client.get(edit_url(split)).content.decode()
    assert f'name="ind_{pk}_women"' in page and f'name="ind_{pk}_youth"' in page
    response = client.post(edit_url(split), form_data(split, **{f"ind_{pk}_women": "8", f"ind_{pk}_men": "5"}))
    assert response.status_code == 400
    assert response.context["form"].errors[f"ind_{pk}_women"] == [
        "Women, Men add up to 13, more than the total of 12."]
    assert not ProgressUpdate.objects.exists()
    response = client.post(edit_url(split), form_data(split, **{f"ind_{pk}_women": "abc"}))
    assert response.status_code == 400 and f"ind_{pk}_women" in response.context["form"].errors
    response = client.post(edit_url(split), form_data(split, **{f"ind_{pk}_women": "7", f"ind_{pk}_men": "5"}))
    assert response.status_code == 302
    value = IndicatorValue.objects.get(indicator=split.ind_count)
    assert (value.value, value.women, value.men) == (D("12"), D("7"), D("5"))
    assert client.get(edit_url(split)).context["form"].initial[f"ind_{pk}_women"] == "7"


def test_a_part_on_an_indicator_that_does_not_ask_for_it_is_refused(cast, world):
    bad = {world.ind_count.pk: IndicatorEntry(value=D("12"), parts={"women": D("7")})}
    with pytest.raises(ValidationError) as raised:
        services.update_save(user=cast.focal_a, member=cast.member_a, action=world.action, period=world.period,
                             narrative="x", values=bad)
    assert list(raised.value.message_dict) == [f"indicator_{world.ind_count.pk}_women"]
    assert not ProgressUpdate.objects.exists()


def test_the_api_takes_and_gives_the_parts_and_names_the_part_at_fault(client, cast, split):
    from metroplan.testing import factories as f2

    _token, key = f2.make_token(cast.focal_a, scope="write")
    headers = {"HTTP_AUTHORIZATION": f"Token {key}"}
    pk = split.ind_count.pk
    body = {"action": "1.1", "period": "2022-Q2", "narrative": "n",
            "values": [{"indicator": pk, "value": "12", "women": "8", "men": "5"}]}
    response = client.post("/api/v1/updates/", body, content_type="application/json", **headers)
    assert response.status_code == 400
    assert response.json()["field_errors"] == {f"indicator_{pk}_women": [
        "Women, Men add up to 13, more than the total of 12."]}
    assert not ProgressUpdate.objects.exists()
    body["values"][0]["men"] = "4"
    response = client.post("/api/v1/updates/", body, content_type="application/json", **headers)
    assert response.status_code == 201, response.json()
    value = response.json()["values"][0]
    assert (value["value"], value["women"], value["men"], value["youth"]) == ("12.00", "8.00", "4.00", None)


def test_the_spreadsheet_takes_the_parts_and_names_the_cell_of_parts_over_the_total(client, cast, split):
    from openpyxl.utils import get_column_letter

    from reporting.spreadsheet import VALUE_KEYS, VALUES

    from .test_spreadsheet import download, fill_good, rows, sheet, upload

    client.force_login(cast.focal_a)
    book = download(client)
    updates, values = fill_good(book)
    updates[("2022-Q2", "1.1", None)]["submit"].value = "no"  # a draft: still in the next download
    row = values[("2022-Q2", "1.1", "1.1.a")]  # value 7
    row["women"].value, row["men"].value, row["youth"].value = 5, 3, 2
    response = upload(client, book)
    assert response.status_code == 400
    women = get_column_letter(VALUE_KEYS.index("women") + 1)
    errors = [(e.sheet, e.cell) for e in response.context["result"].errors]
    assert errors == [(sheet(book, VALUES).title, f"{women}{row['women'].row}")]
    assert "more than the total of 7" in response.content.decode()
    assert not ProgressUpdate.objects.exists()
    row["men"].value = 2
    assert upload(client, book).status_code == 302
    value = IndicatorValue.objects.get(indicator=split.ind_count)
    assert (value.value, value.women, value.men, value.youth) == (D("7"), D("5"), D("2"), D("2"))
    again = download(client)  # pre-filled with the parts saved
    assert rows(again, VALUES)[("2022-Q2", "1.1", "1.1.a")]["women"].value == 5


def test_the_split_is_added_up_from_the_latest_approved_parts_on_the_page_and_in_the_report(client, cast):
    from django.urls import reverse

    from reporting import report_services
    from reporting.figures.split import indicator_splits
    from reporting.rendering import render_html
    from reporting.tests.report_data import make_report, make_scenario

    scenario = make_scenario()  # A 40 and B 80 approved in 2022-Q1 on indicator 1.1.a
    indicator = scenario.indicator
    indicator.by_sex = True
    indicator.save()
    for member, parts in ((scenario.a, {"women": D("30"), "men": D("10")}),
                          (scenario.b, {"women": D("20"), "men": D("50"), "sex_other": D("5")})):
        for value in IndicatorValue.objects.filter(update__member=member):
            for name, part in parts.items():
                setattr(value, name, part)
            value.save()
    (split,) = indicator_splits([indicator])[indicator.pk]
    assert (split.key, split.period_code, split.members, split.total) == ("sex", "2022-Q1", 2, D("120"))
    assert [(p.name, p.value, round(p.share, 4)) for p in split.parts] == [
        ("women", D("50"), 0.4167), ("men", D("60"), 0.5), ("sex_other", D("5"), 0.0417)]
    assert split.unstated == D("5")

    client.force_login(cast.focal_a)
    body = client.get(reverse("action-detail", args=["1.1"])).content.decode()
    assert "By sex" in body and "Women" in body and "(42 %)" in body

    report = report_services.report_build(report_id=make_report(scenario).pk)
    (row,) = [r for r in report.snapshot["indicators"] if r["code"] == "1.1.a"]
    assert row["split"] == [{"breakdown": "sex", "period": "2022-Q1", "members": 2, "without_parts": 0,
                             "total": 120.0, "parts": {"women": 50.0, "men": 60.0, "sex_other": 5.0}}]
    html = render_html(report.snapshot, "fr")
    assert "Par sexe" in html and "Femmes 50" in html
