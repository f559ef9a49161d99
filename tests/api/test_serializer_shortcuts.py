"""The serializers of big lists (ReadFieldsOnce) show every value as DRF's own
reading shows it, shortcuts included: timestamps in UTC or in another zone,
decimals with their places or fewer or more, text of any kind, and values
that are not read from the database."""

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils.safestring import mark_safe
from hypothesis import given, settings
from hypothesis import strategies as st
from rest_framework import serializers

from reporting.api.serializers import IndicatorValueSerializer, ReadFieldsOnce, UpdateSerializer
from reporting.models import IndicatorValue, ProgressUpdate


def drf_reads(serializer, instance) -> dict:
    """DRF's own reading, by the same bound serializer (ReadFieldsOnce skipped)."""
    return super(ReadFieldsOnce, serializer).to_representation(instance)


moments = st.datetimes(min_value=datetime.datetime(1990, 1, 1), max_value=datetime.datetime(2100, 1, 1),
                       timezones=st.sampled_from([datetime.UTC, ZoneInfo("Asia/Kolkata"), ZoneInfo("America/Bogota")]))
texts = st.one_of(st.text(max_size=20), st.text(max_size=20).map(mark_safe), st.sampled_from(["on_track", "", "=1"]))
amounts = st.one_of(
    st.decimals(allow_nan=False, allow_infinity=False, places=2, min_value=-10**11, max_value=10**11),
    st.decimals(allow_nan=False, allow_infinity=False, min_value=-10**6, max_value=10**6),
    st.sampled_from([Decimal("-0.00"), Decimal("5"), Decimal("5.0"), Decimal("1E+2"), Decimal("0.005")]),
)


@settings(max_examples=150, deadline=None)
@given(moment=moments, narrative=texts, status=st.sampled_from(["", "on_track", "at_risk", "paused", "1"]),
       version=st.integers(0, 10**9), no_change=st.booleans())
def test_an_update_is_shown_as_drf_shows_it(moment, narrative, status, version, no_change):
    update = ProgressUpdate(pk=7, created=moment, modified=moment, submitted_at=None, narrative=narrative,
                            status=status, version=version, no_change=no_change, state="approved")
    update.member_slug = update.action_code = update.period_code = update.plan_code = "x"
    update.submitted_by_name = update.reviewed_by_name = None
    update.outcome, update.value_list, update.evidence_list = "on_time", [], []
    serializer = UpdateSerializer(update)
    assert serializer.to_representation(update) == drf_reads(serializer, update)


@settings(max_examples=150, deadline=None)
@given(value=amounts, part=st.one_of(st.none(), amounts))
def test_a_value_is_shown_as_drf_shows_it(value, part):
    row = IndicatorValue(pk=3, indicator_id=4, value=value, women=part, not_available=False, not_available_reason="")
    row.indicator_code = "1.1.a"
    serializer = IndicatorValueSerializer(row)
    try:
        expected = drf_reads(serializer, row)
    except (serializers.ValidationError, ArithmeticError) as refused:  # more digits than the column holds
        with pytest.raises(type(refused)):
            serializer.to_representation(row)
        return
    assert serializer.to_representation(row) == expected
