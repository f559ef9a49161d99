"""Every URL that changes the plan refuses everyone but secretariat staff:
anonymous users are sent to log in, signed-in non-staff get 403. Generated from
one table, so a new edit URL cannot be forgotten (the last test checks the table
covers every route in actions/urls_plan.py)."""

import pytest
from django.urls import reverse

from actions import urls_plan
from actions.models import Action
from actions.tests.plan_helpers import small_plan
from metroplan.testing import factories as f

# (url name, args, methods): every route that can change something
EDIT_URLS = [
    ("plan-goal-create", [], ["get", "post"]),
    ("plan-goal-edit", ["1"], ["get", "post"]),
    ("plan-goal-retire", ["1"], ["post"]),
    ("plan-goal-move", ["1"], ["post"]),
    ("plan-action-create", ["1"], ["get", "post"]),
    ("plan-action-edit", ["1.1"], ["get", "post"]),
    ("plan-action-retire", ["1.1"], ["post"]),
    ("plan-action-move", ["1.1"], ["post"]),
    ("plan-action-status", ["1.1"], ["post"]),
    ("plan-action-participant", ["1.1"], ["post"]),
    ("plan-action-history", ["1.1"], ["get"]),
    ("plan-action-restore", ["1.1", 1], ["post"]),
    ("plan-indicator-create", ["1.1"], ["get", "post"]),
    ("plan-indicator-edit", ["1.1", "1.1.a"], ["get", "post"]),
    ("plan-indicator-retire", ["1.1", "1.1.a"], ["post"]),
    ("plan-indicator-move", ["1.1", "1.1.a"], ["post"]),
    ("plan-import", [], ["get", "post"]),
    ("plan-import-apply", [], ["post"]),
    ("plan-carry-over", [], ["get", "post"]),
]
READ_URLS = [
    ("plan-outline", []),
    ("plan-action", ["1.1"]),
    ("plan-export-xlsx", []),
    ("plan-export-csv", []),
]
CASES = [(name, args, method) for name, args, methods in EDIT_URLS for method in methods]


@pytest.fixture
def plan_data(cast):
    plan, *_ = small_plan()
    f.ReportingPeriodFactory(plan=plan, code="2022-Q1")
    return plan


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "args", "method"), CASES)
def test_anonymous_is_sent_to_login(client, plan_data, name, args, method):
    response = getattr(client, method)(reverse(name, args=args))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["focal_a", "integrator"])
@pytest.mark.parametrize(("name", "args", "method"), CASES)
def test_signed_in_non_staff_get_403_and_nothing_changes(client, cast, plan_data, who, name, args, method):
    before = list(Action.objects.order_by("pk").values("code", "status", "version", "retired", "order"))
    client.force_login(getattr(cast, who))
    response = getattr(client, method)(
        reverse(name, args=args), {"status": "completed", "version": 1, "direction": "down", "member": 1}
    )
    assert response.status_code == 403
    assert list(Action.objects.order_by("pk").values("code", "status", "version", "retired", "order")) == before


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "args"), [(n, a) for n, a, m in EDIT_URLS if "get" in m])
def test_staff_open_every_edit_page(client, cast, plan_data, name, args):
    client.force_login(cast.staff)
    assert client.get(reverse(name, args=args)).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "args"), READ_URLS)
def test_non_staff_read_the_plan_pages_without_edit_controls(client, cast, plan_data, name, args):
    client.force_login(cast.focal_a)
    response = client.get(reverse(name, args=args))
    assert response.status_code == 200
    if response["Content-Type"].startswith("text/html"):
        html = response.content.decode()
        assert "/edit/" not in html
        assert "/retire/" not in html
        assert 'name="status"' not in html


@pytest.mark.django_db
def test_staff_see_edit_controls_on_the_outline(client, cast, plan_data):
    client.force_login(cast.staff)
    html = client.get(reverse("plan-outline")).content.decode()
    assert reverse("plan-action-edit", args=["1.1"]) in html
    assert 'name="status"' in html


@pytest.mark.django_db
def test_draft_plans_are_hidden_from_non_staff(client, cast, plan_data):
    f.PlanFactory(code="2024-2026", name="Next", status="draft", is_current=False)
    client.force_login(cast.focal_a)
    assert client.get(reverse("plan-outline") + "?plan=2024-2026").status_code == 404
    client.force_login(cast.staff)
    assert client.get(reverse("plan-outline") + "?plan=2024-2026").status_code == 200


def test_the_table_covers_every_plan_route():
    listed = {name for name, _, _ in EDIT_URLS} | {name for name, _ in READ_URLS}
    assert {pattern.name for pattern in urls_plan.urlpatterns} == listed


def test_staff_tools_partial_is_empty_for_non_staff(rf):
    from django.template.loader import render_to_string

    html = render_to_string("actions/_action_staff_tools.html", {"action": Action(code="1.1"), "is_secretariat": False})
    assert html.strip() == ""
