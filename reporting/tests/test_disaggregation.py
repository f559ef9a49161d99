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
