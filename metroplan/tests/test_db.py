"""metroplan.db: the `__any` lookup and the timestamp loader give what Django's
own `__in` and loader give."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.db import connection

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
    assert set(ProgressUpdate.objects.filter(pk__any=some).values_list("pk", flat=True)) == set(some)
    by_any = IndicatorValue.objects.filter(update_id__any=some).values_list("pk", flat=True)
    by_in = IndicatorValue.objects.filter(update_id__in=some).values_list("pk", flat=True)
    assert sorted(by_any) == sorted(by_in) and len(by_in) == len(some)
    assert list(ProgressUpdate.objects.filter(pk__any=[])) == []
    assert ProgressUpdate.objects.exclude(pk__any=some).count() == len(ids) - len(some)


def test_any_takes_only_whole_numbers(updates):
    with pytest.raises(ValueError):
        list(ProgressUpdate.objects.filter(pk__any=["1; DROP TABLE x"]))


postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only (CI runs it)")

TIMESTAMPS = [
    "2022-04-03 09:30:15.123456+00",
    "2022-04-03 09:30:15.1+00",
    "2022-04-03 09:30:15+00",
    "0099-12-31 23:59:59+00",
    "9999-12-31 23:59:59.999999+00",
    "2023-06-01 12:00:00+05:30",
]


def _read(cursor, texts):
    cursor.execute("SELECT " + ", ".join("%s::timestamptz" for _ in texts), texts)
    return cursor.fetchone()


def _djangos_cursor():
    """A cursor on the same connection that reads timestamptz with Django's own loader."""
    from django.db.backends.postgresql.psycopg_any import register_tzloader

    cursor = connection.connection.cursor()
    register_tzloader(connection.timezone, cursor)
    return cursor


@postgresql
def test_timestamps_read_as_djangos_loader_reads_them():
    with connection.cursor() as cursor:
        fast = _read(cursor, TIMESTAMPS)
    assert connection.connection.adapters.get_loader(1184, 0).__name__ == "IsoTimestamptzLoader"
    with _djangos_cursor() as raw:
        assert _read(raw, TIMESTAMPS) == fast
    assert fast[0] == datetime(2022, 4, 3, 9, 30, 15, 123456, tzinfo=UTC)
    assert fast[1].microsecond == 100000
    assert all(value.tzinfo is UTC for value in fast)


@postgresql
@pytest.mark.parametrize(
    "date_style, text", [("ISO, MDY", "0044-03-15 12:00:00+00 BC"), ("SQL, DMY", "2022-04-03 09:30:15+00")]
)
def test_what_is_not_iso_text_gets_djangos_answer(date_style, text):
    """BC dates, and other DateStyles: the full parser, with the same error."""
    with connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL DateStyle TO '{date_style}'")
        with pytest.raises(Exception) as fast_error:
            _read(cursor, [text])
    # The error is raised while reading the row, not by the server: the transaction goes on.
    with _djangos_cursor() as raw:
        raw.execute(f"SET LOCAL DateStyle TO '{date_style}'")
        with pytest.raises(Exception) as djangos_error:
            _read(raw, [text])
    assert type(fast_error.value).__name__ == type(djangos_error.value).__name__  # Django wraps its own
    assert str(fast_error.value) == str(djangos_error.value)


@postgresql
def test_postgresql_runs_without_jit_compilation():
    """JIT compiling a page's grouped figures took ~100 ms for a 10 ms query."""
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"
