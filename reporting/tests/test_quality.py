"""Data-quality checks before approval (reporting/quality.py): a jump against
the member's previous approved value, a value far beyond the target, a value
out of its plausible range, parts that fall short. Flags are shown when a focal
point saves (never a block) and to the reviewer, with the previous value and
the change; the review queue filters "has flags" at a fixed query cost."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from metroplan.testing import factories as f
from reporting.models import ProgressUpdate
from reporting.quality import JUMP, PARTS, RANGE, TARGET, measure_of, update_checks, value_flags

from .conftest import make_update
from .test_update_pages import edit_url, form_data

pytestmark = pytest.mark.django_db
D = Decimal


def kinds(indicator, value, previous=None, parts=None):
    return [flag.kind for flag in value_flags(indicator, D(value), parts or {}, previous)]


def test_jumps_beyond_the_indicators_factor_are_flagged():
    indicator = f.IndicatorFactory.build(target=D("100"), jump_factor=D("3"))
    assert kinds(indicator, "30", previous=D("10")) == []  # exactly 3×: not beyond
    assert kinds(indicator, "31", previous=D("10")) == [JUMP]
    assert kinds(indicator, "3", previous=D("9")) == []  # exactly a third
    assert kinds(indicator, "3.4", previous=D("10")) == []
    assert kinds(indicator, "3", previous=D("10")) == [JUMP]  # under a third
    indicator.jump_factor = D("10")
    assert kinds(indicator, "31", previous=D("10")) == []  # a factor set per indicator
    assert kinds(indicator, "12", previous=D("0")) == [JUMP]
    assert kinds(indicator, "-5", previous=D("10")) == [JUMP, RANGE]  # the sign flipped; and a negative count


def test_far_beyond_the_target_and_out_of_range_values_are_flagged():
    count = f.IndicatorFactory.build(unit="members", target=D("20"))
    assert kinds(count, "60") == [] and kinds(count, "61") == [TARGET]
    assert kinds(count, "-1") == [RANGE]
    percent = f.IndicatorFactory.build(unit="%", measure="percentage", target=D("80"))
    assert measure_of(percent) == "percentage" and measure_of(count) == "count"
    assert kinds(percent, "100") == [] and kinds(percent, "101") == [RANGE]
    decrease = f.IndicatorFactory.build(unit="days", baseline=D("30"), target=D("9"), direction="decrease")
    assert kinds(decrease, "3") == [] and kinds(decrease, "2.9") == [TARGET]


def test_the_measure_decides_the_range_whatever_the_unit():
    indicator = f.IndicatorFactory.build(unit="cities", target=D("100"))
    indicator.measure = "percentage"
    assert kinds(indicator, "120") == [RANGE]


def test_parts_that_fall_short_of_the_total_are_flagged():
    indicator = f.IndicatorFactory.build(target=D("100"), by_sex=True, by_age=True)
    parts = {"women": D("6"), "men": D("4"), "youth": D("3"), "age_other": D("5")}
    flags = value_flags(indicator, D("10"), parts, None)
    assert [flag.kind for flag in flags] == [PARTS]
    assert "8" in flags[0].message and "10" in flags[0].message
    assert [flag.kind for flag in value_flags(indicator, D("10"), {}, None)] == [PARTS, PARTS]


def test_checks_name_the_previous_approved_value_and_the_change(cast, world):
    older = make_update(world, cast.member_a, state="approved", period=world.closed)
    older.values.filter(indicator=world.ind_count).update(value=D("2"))
    make_update(world, cast.member_a, state="approved", period=world.previous)  # 10
    make_update(world, cast.member_b, state="approved", period=world.previous)
    update = make_update(world, cast.member_a, state="submitted")
    update.values.filter(indicator=world.ind_count).update(value=D("45"))
    check = update_checks([update])[update.pk][0]
    assert (check.previous, check.previous_period, check.change) == (D("10"), "2022-Q1", D("35"))
    assert [flag.kind for flag in check.flags] == [JUMP]


def test_a_focal_point_sees_the_flags_after_saving_a_draft_and_the_draft_is_saved(client, cast, world):
    make_update(world, cast.member_a, state="approved", period=world.previous)  # 10 last time
    client.force_login(cast.focal_a)
    response = client.post(edit_url(world), form_data(world, **{f"ind_{world.ind_count.pk}_value": "95"}),
                           follow=True)
    assert response.status_code == 200
    assert ProgressUpdate.objects.get(member=cast.member_a, period=world.period).values.get(
        indicator=world.ind_count).value == D("95")
    body = response.content.decode()
    assert "flagged for a check" in body and "the previous approved value (10)" in body
    assert "Previous approved value: 10 (2022-Q1)" in body


def test_the_reviewer_sees_previous_value_change_and_flags(client, cast, world):
    make_update(world, cast.member_a, state="approved", period=world.previous)
    update = make_update(world, cast.member_a, state="submitted")
    update.values.filter(indicator=world.ind_count).update(value=D("95"))
    client.force_login(cast.staff)
    body = client.get(reverse("update-detail", args=[update.pk])).content.decode()
    assert "Previous approved value" in body and "2022-Q1" in body
    assert "+85" in body and "×9.5" in body
    assert "9.5× the previous approved value (10)" in body


def test_the_queue_filters_updates_with_flags_at_a_fixed_query_cost(client, cast, world):
    make_update(world, cast.member_a, state="approved", period=world.previous)
    flagged = make_update(world, cast.member_a, state="submitted")
    flagged.values.filter(indicator=world.ind_count).update(value=D("95"))
    calm = make_update(world, cast.member_b, state="submitted")
    client.force_login(cast.staff)
    url = reverse("update-review-queue")
    assert {u.pk for u in client.get(url).context["page"]} == {flagged.pk, calm.pk}
    response = client.get(url, {"flags": "yes"})
    assert [u.pk for u in response.context["page"]] == [flagged.pk]
    assert "1 flag" in response.content.decode()
    with CaptureQueriesContext(connection) as few:
        client.get(url, {"flags": "yes"})
    for _n in range(6):
        member = f.MemberFactory()
        world.action.participations.create(member=member)
        make_update(world, member, state="approved", period=world.previous)
        update = make_update(world, member, state="submitted")
        update.values.filter(indicator=world.ind_count).update(value=D("95"))
    with CaptureQueriesContext(connection) as many:
        response = client.get(url, {"flags": "yes"})
    assert len(response.context["page"]) == 7
    assert len(many) == len(few)
    with CaptureQueriesContext(connection) as detail:
        client.get(reverse("update-detail", args=[flagged.pk]))
    assert len(detail) < 25
