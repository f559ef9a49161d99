"""Reporting periods of a plan, edited by the secretariat on /plan/periods/:
the service's rules, and who may open which page (from one table, which
covers every route in reporting/urls_periods.py)."""

from datetime import date

import pytest
from django.urls import reverse

from actions.tests.plan_helpers import small_plan
from metroplan.services import PermissionDenied, ValidationError
from metroplan.testing import factories as f
from reporting import period_services, urls_periods
from reporting.models import ReportingPeriod

pytestmark = pytest.mark.django_db

# (url name, args, methods): every route that can change something
EDIT_URLS = [
    ("plan-period-create", [], ["post"]),
    ("plan-period-edit", ["2022-Q1"], ["get", "post"]),
    ("plan-period-toggle", ["2022-Q1"], ["post"]),
]
READ_URLS = [("plan-periods", [])]
CASES = [(name, args, method) for name, args, methods in EDIT_URLS for method in methods]


@pytest.fixture
def plan_data(cast):
    plan, *_ = small_plan()
    f.ReportingPeriodFactory(plan=plan, code="2022-Q1")
    return plan


def periods_state():
    return list(ReportingPeriod.objects.order_by("pk").values("code", "start", "end", "deadline", "is_open", "version"))


def test_period_rules(cast):
    plan, *_ = small_plan()
    period = period_services.period_create(
        user=cast.staff, plan=plan, data={"code": "2024-Q1", "start": date(2024, 1, 1), "end": date(2024, 3, 31)}
    )
    assert period.deadline == date(2024, 4, 30)
    with pytest.raises(ValidationError) as error:
        period_services.period_create(
            user=cast.staff, plan=plan, data={"code": "2024-Q1", "start": date(2024, 4, 1), "end": date(2024, 3, 1)}
        )
    assert set(error.value.message_dict) == {"code", "end"}


def test_a_focal_point_cannot_change_a_period(cast, plan_data):
    period = ReportingPeriod.objects.get(code="2022-Q1")
    with pytest.raises(PermissionDenied):
        period_services.period_update(user=cast.focal_a, period=period, data={"is_open": False})
    assert ReportingPeriod.objects.get(pk=period.pk).is_open


def test_the_periods_page_toggles_in_place_and_shows_the_rules_errors(client, cast, plan_data):
    client.force_login(cast.staff)
    response = client.post(reverse("plan-period-toggle", args=["2022-Q1"]), HTTP_HX_REQUEST="true")
    assert "closed" in response.content.decode()
    assert not ReportingPeriod.objects.get(code="2022-Q1").is_open
    response = client.post(
        reverse("plan-period-create"), {"code": "2022-Q1", "start": "2022-04-01", "end": "2022-03-01"}
    )
    assert "already exists" in response.content.decode() and "before the start" in response.content.decode()


@pytest.mark.parametrize(("name", "args", "method"), CASES)
def test_anonymous_is_sent_to_login(client, plan_data, name, args, method):
    response = getattr(client, method)(reverse(name, args=args))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("who", ["focal_a", "integrator"])
@pytest.mark.parametrize(("name", "args", "method"), CASES)
def test_signed_in_non_staff_get_403_and_nothing_changes(client, cast, plan_data, who, name, args, method):
    before = periods_state()
    client.force_login(getattr(cast, who))
    response = getattr(client, method)(
        reverse(name, args=args), {"code": "2022-Q9", "start": "2022-01-01", "end": "2022-03-31"}
    )
    assert response.status_code == 403
    assert periods_state() == before


@pytest.mark.parametrize(("name", "args"), [(n, a) for n, a, m in EDIT_URLS if "get" in m] + READ_URLS)
def test_staff_open_every_page(client, cast, plan_data, name, args):
    client.force_login(cast.staff)
    assert client.get(reverse(name, args=args)).status_code == 200


@pytest.mark.parametrize(("name", "args"), READ_URLS)
def test_non_staff_read_the_periods_without_edit_controls(client, cast, plan_data, name, args):
    client.force_login(cast.focal_a)
    response = client.get(reverse(name, args=args))
    assert response.status_code == 200
    html = response.content.decode()
    assert "2022-Q1" in html
    assert "/edit/" not in html and "/toggle/" not in html


def test_the_table_covers_every_period_route():
    listed = {name for name, _, _ in EDIT_URLS} | {name for name, _ in READ_URLS}
    assert {pattern.name for pattern in urls_periods.urlpatterns} == listed
