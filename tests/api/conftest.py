"""A small world for the API tests, on top of the shared cast: one plan with two
goals, actions that members A and B take part in, indicators, two periods, and
updates of A and B in every state."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from actions.models import SustainableDevelopmentGoal
from metroplan.testing import factories as f
from reporting.models import ProgressUpdate


@dataclass
class World:
    plan: object
    goal1: object
    goal2: object
    action1: object
    action2: object
    indicator1: object
    indicator2: object
    period: object
    closed_period: object
    draft_a: object
    draft_b: object
    approved_a: object
    approved_b: object
    submitted_b: object


@pytest.fixture
def world(cast) -> World:
    plan = f.PlanFactory()
    goal1 = f.GoalFactory(plan=plan, code="1", order=1, title="Governance")
    goal2 = f.GoalFactory(plan=plan, code="2", order=2, title="Climate")
    action1 = f.ActionFactory(
        goal=goal1, code="1.1", title="Issue papers", status="on_track", members=[cast.member_a, cast.member_b]
    )
    action2 = f.ActionFactory(
        goal=goal2, code="2.1", title="Heat plans", status="at_risk", members=[cast.member_a, cast.member_b]
    )
    action1.sdgs.add(SustainableDevelopmentGoal.objects.get_or_create(number=11, defaults={"name": "Cities"})[0])
    action1.lead = cast.staff
    action1.save()
    indicator1 = f.IndicatorFactory(action=action1, code="1.1.a", baseline=Decimal("0"), target=Decimal("10"))
    indicator2 = f.IndicatorFactory(action=action2, code="2.1.a", baseline=Decimal("0"), target=Decimal("100"))
    closed_period = f.ReportingPeriodFactory(
        plan=plan, code="2021-Q4", start=date(2021, 10, 1), end=date(2021, 12, 31), is_open=False
    )
    period = f.ReportingPeriodFactory(plan=plan, code="2022-Q1", start=date(2022, 1, 1), end=date(2022, 3, 31))
    approved_a = f.ProgressUpdateFactory(
        member=cast.member_a, action=action1, period=closed_period, state=ProgressUpdate.State.APPROVED,
        narrative="Approved narrative of A",
    )
    f.IndicatorValueFactory(update=approved_a, indicator=indicator1, value=Decimal("5"))
    approved_b = f.ProgressUpdateFactory(
        member=cast.member_b, action=action2, period=closed_period, state=ProgressUpdate.State.APPROVED,
        narrative="Approved narrative of B",
    )
    draft_a = f.ProgressUpdateFactory(
        member=cast.member_a, action=action1, period=period, narrative="Draft narrative of A"
    )
    draft_b = f.ProgressUpdateFactory(
        member=cast.member_b, action=action1, period=period, narrative="Secret draft of B"
    )
    submitted_b = f.ProgressUpdateFactory(
        member=cast.member_b, action=action2, period=period, state=ProgressUpdate.State.SUBMITTED,
        narrative="Submitted narrative of B",
    )
    return World(
        plan, goal1, goal2, action1, action2, indicator1, indicator2, period, closed_period,
        draft_a, draft_b, approved_a, approved_b, submitted_b,
    )


@pytest.fixture
def api():
    """api(key) → an APIClient sending `Authorization: Token <key>`; api() → anonymous."""

    def make(key: str | None = None, keyword: str = "Token") -> APIClient:
        client = APIClient()
        if key:
            client.credentials(HTTP_AUTHORIZATION=f"{keyword} {key}")
        return client

    return make


@pytest.fixture
def keys(cast):
    """Keys by actor: read token, staff write token, focal point A's write token,
    focal point B's write and read tokens."""
    from members.models import ApiToken

    _, write_key_b = f.make_token(cast.focal_b, scope=ApiToken.Scope.WRITE)
    _, read_key_a = f.make_token(cast.focal_a, scope=ApiToken.Scope.READ)
    return {
        "read": cast.read_key,
        "staff": cast.write_key_staff,
        "focal_a": cast.write_key_a,
        "focal_a_read": read_key_a,
        "focal_b": write_key_b,
    }


@pytest.fixture
def focal_api(api, keys):
    """Focal point A's write token."""
    return api(keys["focal_a"])


@pytest.fixture
def staff_api(api, keys):
    """The secretariat's write token."""
    return api(keys["staff"])


@pytest.fixture
def fake_reports(monkeypatch):
    """reporting.report_services.report_request, stood in for: the report
    engineer's module builds reports; here only the API's side is under test."""
    import sys
    import types

    from reporting.models import Report

    calls = []

    def report_request(*, user, plan, kind, period, as_of=None):
        calls.append({"user": user, "plan": plan, "kind": kind, "period": period, "as_of": as_of})
        existing = Report.objects.filter(plan=plan, kind=kind, period=period).first()
        if existing:
            return existing, False
        return Report.objects.create(plan=plan, kind=kind, period=period, as_of=as_of or period.end,
                                     requested_by=user), True

    module = types.ModuleType("reporting.report_services")
    module.report_request = report_request
    monkeypatch.setitem(sys.modules, "reporting.report_services", module)
    return calls
