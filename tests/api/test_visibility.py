"""Visibility applied centrally: every model has `visible_to(user)`, every API
viewset's queryset goes through it, and what it hides is hidden in every list,
filter choice and lookup (draft plans and their contents, failed reports)."""

from datetime import date

import pytest
from django.apps import apps
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory, force_authenticate

from metroplan.testing import factories as f
from metroplan.urls import router
from reporting.models import ProgressUpdate, Report

APPS = ("actions", "members", "reporting")


def app_models():
    """The apps' models. History rows (django-simple-history) are read only through
    their object's page, behind that object's rule, so they are not among them."""
    return [
        model for app in APPS for model in apps.get_app_config(app).get_models()
        if not hasattr(model, "instance_type")
    ]


@pytest.mark.parametrize(
    "model", app_models(), ids=lambda m: m.__name__
)
def test_every_model_says_who_sees_it(model):
    """A model without a rule is a model whose rows anyone can reach."""
    assert callable(getattr(model._default_manager.all(), "visible_to", None)), model


@pytest.mark.parametrize(
    "prefix,viewset", [(prefix, viewset) for prefix, viewset, _basename in router.registry], ids=lambda v: str(v)
)
@pytest.mark.parametrize("action", ["list", "retrieve"])
def test_every_api_viewset_restricts_its_queryset(prefix, viewset, action, cast, monkeypatch):
    """Whatever a viewset's get_queryset() builds, the base restricts it to
    visible_to(user), so a new viewset cannot forget it."""
    calls = []
    models = {}

    def spy(original):
        def visible_to(self, user):
            calls.append((self.model, user))
            return original(self, user)

        return visible_to

    for model in app_models():
        # The class that defines the rule (modeltranslation subclasses some querysets on the fly).
        defining = next(c for c in type(model._default_manager.all()).__mro__ if "visible_to" in c.__dict__)
        if defining not in models:
            models[defining] = defining.__dict__["visible_to"]
            monkeypatch.setattr(defining, "visible_to", spy(defining.__dict__["visible_to"]))

    f.PlanFactory()
    request = APIRequestFactory().get(f"/api/v1/{prefix}/")
    force_authenticate(request, user=cast.focal_a)
    view = viewset(action=action, format_kwarg=None, kwargs={})
    view.request = Request(request)
    view.request.user = cast.focal_a
    queryset = view.get_queryset()
    assert (queryset.model, cast.focal_a) in calls, f"{viewset.__name__}.get_queryset() skips visible_to(user)"


@pytest.fixture
def draft(world):
    """A plan being prepared, with a goal, an action, an indicator, a period and an update."""
    plan = f.PlanFactory(code="2027-2029", status="draft", is_current=False, start_date=date(2027, 1, 1),
                         end_date=date(2029, 12, 31))
    goal = f.GoalFactory(plan=plan, code="D1", title="Draft goal")
    action = f.ActionFactory(goal=goal, code="D1.1", title="Draft action", members=[])
    indicator = f.IndicatorFactory(action=action, code="D1.1.a")
    period = f.ReportingPeriodFactory(plan=plan, code="2027-Q1", start=date(2027, 1, 1), end=date(2027, 3, 31))
    return plan, goal, action, indicator, period


NOT_STAFF = ["read", "focal_a"]


@pytest.mark.parametrize("actor", NOT_STAFF)
def test_a_draft_plan_is_hidden_from_everyone_but_staff_in_the_api(actor, draft, api, keys):
    plan, goal, action, indicator, period = draft
    client = api(keys[actor])
    assert plan.code not in [p["code"] for p in client.get("/api/v1/plans/").json()["results"]]
    assert client.get(f"/api/v1/plans/{plan.code}/").status_code == 404
    assert client.get("/api/v1/plans/?status=draft").json()["count"] == 0
    for resource in ("goals", "actions", "indicators", "periods", "updates", "reports"):
        response = client.get(f"/api/v1/{resource}/?plan={plan.code}")
        # The same answer as for a plan that does not exist: nothing leaks.
        missing = client.get(f"/api/v1/{resource}/?plan=no-such-plan")
        assert response.status_code == missing.status_code == 400, resource
        assert response.json()["field_errors"]["plan"] == [f"No plan has the code {plan.code}."]
    assert client.get(f"/api/v1/indicators/{indicator.pk}/").status_code == 404
    assert client.get(f"/api/v1/goals/{goal.code}/?plan={plan.code}").status_code == 400


def test_staff_see_the_draft_plan_everywhere(draft, api, keys):
    plan, goal, action, indicator, period = draft
    client = api(keys["staff"])
    assert client.get(f"/api/v1/plans/{plan.code}/").status_code == 200
    assert [g["code"] for g in client.get(f"/api/v1/goals/?plan={plan.code}").json()["results"]] == ["D1"]
    assert client.get(f"/api/v1/actions/{action.code}/?plan={plan.code}").status_code == 200
    assert client.get(f"/api/v1/indicators/{indicator.pk}/").status_code == 200
    assert client.get(f"/api/v1/periods/{period.code}/?plan={plan.code}").status_code == 200


def test_a_draft_plan_is_hidden_on_the_pages_as_in_the_api(draft, client, cast):
    plan = draft[0]
    client.force_login(cast.focal_a)
    assert client.get(f"/plan/?plan={plan.code}").status_code == 404
    assert plan.code not in client.get("/plan/").content.decode()
    client.force_login(cast.staff)
    assert client.get(f"/plan/?plan={plan.code}").status_code == 200


@pytest.fixture
def failed_report(world):
    return Report.objects.create(
        plan=world.plan, kind="on_demand", period=world.period, as_of=world.period.end,
        state=Report.State.FAILED, failure_reason="OperationalError: could not connect to db-primary:5432",
    )


@pytest.mark.parametrize("actor", NOT_STAFF)
def test_a_failed_report_and_its_reason_are_staffs(actor, failed_report, api, keys, client, cast):
    response = api(keys[actor]).get("/api/v1/reports/")
    assert response.status_code == 200
    assert failed_report.pk not in [r["id"] for r in response.json()["results"]]
    assert "db-primary" not in response.content.decode()
    assert api(keys[actor]).get(f"/api/v1/reports/{failed_report.pk}/").status_code == 404
    client.force_login(cast.focal_a)
    assert "db-primary" not in client.get("/reports/").content.decode()
    assert client.get(f"/reports/{failed_report.pk}/").status_code == 404


def test_staff_read_why_a_report_failed(failed_report, api, keys, client, cast):
    response = api(keys["staff"]).get(f"/api/v1/reports/{failed_report.pk}/")
    assert response.json()["failure_reason"].startswith("OperationalError")
    client.force_login(cast.staff)
    assert "db-primary" in client.get(f"/reports/{failed_report.pk}/").content.decode()


def test_a_finished_reports_old_reason_is_not_shown_to_integrators(world, api, keys):
    report = Report.objects.create(
        plan=world.plan, kind="on_demand", period=world.period, as_of=world.period.end,
        state=Report.State.DONE, failure_reason="Attempt 1 failed and will be retried: TimeoutError: redis:6379",
    )
    body = api(keys["read"]).get(f"/api/v1/reports/{report.pk}/").json()
    assert body["failure_reason"] == ""


def test_updates_of_a_draft_plan_are_staffs(draft, cast, api, keys):
    plan, goal, action, indicator, period = draft
    action.participations.create(member=cast.member_a)
    update = f.ProgressUpdateFactory(member=cast.member_a, action=action, period=period,
                                     state=ProgressUpdate.State.APPROVED)
    assert api(keys["read"]).get(f"/api/v1/updates/{update.pk}/").status_code == 404
    assert api(keys["staff"]).get(f"/api/v1/updates/{update.pk}/").status_code == 200


def test_a_draft_current_plans_figures_are_staffs_only(cast):
    """The figures API and the members' compliance read the current plan among
    the plans the caller may see: a draft plan's figures are not a focal point's."""
    from rest_framework.test import APIClient

    plan = f.PlanFactory(code="draft-plan", status="draft", is_current=True)
    f.ReportingPeriodFactory(plan=plan, code="2022-Q1", start=date(2022, 1, 1), end=date(2022, 3, 31))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {cast.write_key_a}")
    assert client.get("/api/v1/figures/").status_code == 404
    members = client.get("/api/v1/members/").json()["results"]
    assert members and all(row["compliance"] is None for row in members)
    client.credentials(HTTP_AUTHORIZATION=f"Token {cast.write_key_staff}")
    assert client.get("/api/v1/figures/").json()["plan"] == "draft-plan"
    assert any(row["compliance"] is not None for row in client.get("/api/v1/members/").json()["results"])
