"""metroplan.db: `any_of` finds what Django's own `__in` finds; `batches` gives
the rows the ORM gives; the site's PostgreSQL connections run without JIT and
read timestamps as Django does."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import FieldError
from django.db import connection
from django.db.models import F, Prefetch
from django.test.utils import CaptureQueriesContext

from actions.models import Action
from metroplan.db import any_of, batches
from metroplan.testing import factories as f
from reporting.models import IndicatorValue, ProgressUpdate

pytestmark = pytest.mark.django_db


@pytest.fixture
def updates(cast):
    action = f.ActionFactory()
    indicator = f.IndicatorFactory(action=action)
    made = []
    for number in range(5):
        update = f.ProgressUpdateFactory(member=f.MemberFactory(slug=f"m-{number}"), action=action)
        f.IndicatorValueFactory(update=update, indicator=indicator, value=Decimal(number))
        made.append(update)
    return made


def test_any_finds_the_same_rows_as_in(updates):
    ids = [update.pk for update in updates]
    some = ids[::2]
    assert set(ProgressUpdate.objects.filter(any_of("pk", some)).values_list("pk", flat=True)) == set(some)
    by_any = IndicatorValue.objects.filter(any_of("update_id", some)).values_list("pk", flat=True)
    by_in = IndicatorValue.objects.filter(update_id__in=some).values_list("pk", flat=True)
    assert sorted(by_any) == sorted(by_in) and len(by_in) == len(some)
    assert list(ProgressUpdate.objects.filter(any_of("pk", []))) == []
    assert ProgressUpdate.objects.exclude(any_of("pk", some)).count() == len(ids) - len(some)


def test_any_takes_only_whole_numbers(updates):
    with pytest.raises(ValueError):
        list(ProgressUpdate.objects.filter(any_of("pk", ["1; DROP TABLE x"])))


def test_any_is_no_lookup_of_any_field(updates):
    """An expression where a page is measured to gain from it, not a lookup on every field."""
    with pytest.raises(FieldError):
        list(ProgressUpdate.objects.filter(pk__any=[updates[0].pk]))
    with pytest.raises(FieldError):
        list(Action.objects.filter(goal__any=[updates[0].action.goal_id]))


postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only (CI runs it)")


@postgresql
def test_postgresql_runs_without_jit_compilation():
    """JIT compiling a page's grouped figures took ~100 ms for a 10 ms query."""
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"


def _seen(update) -> tuple:
    """What a reader of an update reads: its columns, its annotation, its values' columns and annotation."""
    return (update.pk, update.member_id, update.state, update.narrative, update.created, update.member_slug,
            [(value.pk, value.indicator_id, value.value, value.indicator_code) for value in update.value_list])


def _updates_read():
    values = IndicatorValue.objects.annotate(indicator_code=F("indicator__code")).only("update_id", "value",
                                                                                        "indicator_id")
    return (ProgressUpdate.objects.annotate(member_slug=F("member__slug"))
            .prefetch_related(Prefetch("values", queryset=values, to_attr="value_list")).order_by("-pk"))


def test_batches_give_the_rows_the_orm_gives_in_its_order(updates):
    f.IndicatorValueFactory(update=updates[1], indicator=f.IndicatorFactory(action=updates[1].action),
                            value=Decimal("7.5"))
    queryset = _updates_read()
    expected = [_seen(update) for update in queryset]
    for size in (1, 2, 500):
        got = [update for batch in batches(queryset, size) for update in batch]
        assert [_seen(update) for update in got] == expected
        assert [len(batch) for batch in batches(queryset, size)][0] == min(size, len(expected))
        assert all(update._state.db == "default" and not update._state.adding for update in got)


def test_batches_read_a_batchs_lists_in_one_query_and_no_column_twice(updates):
    with CaptureQueriesContext(connection) as seen:
        for batch in batches(_updates_read(), 2):
            for update in batch:
                _seen(update)  # a column the ORM would not have loaded would be read here, one query a row
    assert len(seen) == 1 + 3  # the rows; the values of each of the three batches of 2


def test_batches_of_what_they_cannot_build_are_the_orms(updates):
    queryset = ProgressUpdate.objects.select_related("member").order_by("pk")
    got = [update for batch in batches(queryset, 2) for update in batch]
    assert [(update.pk, update.member.slug) for update in got] == [(u.pk, u.member.slug) for u in queryset]


@postgresql
def test_timestamps_are_read_as_django_reads_them(updates):
    """psycopg's C loader, with the zone Django puts on a timestamp: the same values."""
    stored = updates[0].created.replace(microsecond=123456)
    ProgressUpdate.objects.filter(pk=updates[0].pk).update(created=stored)
    read = ProgressUpdate.objects.values_list("created", flat=True).get(pk=updates[0].pk)
    assert read == stored and read.tzinfo is datetime.UTC
    with connection.cursor() as cursor:
        cursor.execute("SELECT %s::timestamptz", ["2024-02-29 23:59:59.5+05:30"])
        assert cursor.fetchone()[0] == datetime.datetime(2024, 2, 29, 18, 29, 59, 500000, tzinfo=datetime.UTC)
        loader = cursor.cursor.adapters.get_loader(1184, 0)  # timestamptz, text
        assert loader.__name__ == "TimestampLoader" and loader.timezone is datetime.UTC
