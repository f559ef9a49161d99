"""metroplan.db: `any_of` finds what Django's own `__in` finds; and the site's
PostgreSQL connections run without JIT."""

from decimal import Decimal

import pytest
from django.core.exceptions import FieldError
from django.db import connection

from actions.models import Action
from metroplan.db import any_of
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
