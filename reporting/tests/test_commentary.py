"""The secretariat's per-period commentary on a goal or an action: written by
staff on the goal's and action's pages, shown there to whoever may see the
page, kept with its history, and printed in that period's report."""

import pytest
from django.urls import reverse

from metroplan.services import ConflictError, PermissionDenied
from metroplan.testing import factories as f
from reporting import report_services
from reporting.commentary_services import commentary_save
from reporting.models import Commentary
from reporting.rendering import render_html
from reporting.tests.report_data import make_report, make_scenario

pytestmark = pytest.mark.django_db


def post(client, url, period, text, version=0):
    return client.post(url, {"period": period, "text": text, "version": version})


def test_staff_write_a_goal_note_on_its_page_and_everyone_reads_it(client, cast, world):
    client.force_login(cast.staff)
    page = client.get(reverse("goal-detail", args=["1"]))
    assert "commentary_form" in page.context
    response = post(client, reverse("goal-commentary", args=["1"]), "2022-Q2", "Training picked up in spring.")
    assert response.status_code == 302
    note = Commentary.objects.get(goal__code="1", period=world.period)
    assert note.text == "Training picked up in spring." and note.updated_by == cast.staff
    client.force_login(cast.focal_b)
    page = client.get(reverse("goal-detail", args=["1"]))
    assert "Training picked up in spring." in page.content.decode()
    assert "commentary_form" not in page.context


def test_an_action_note_is_shown_on_its_action_and_its_goal(client, cast, world):
    client.force_login(cast.staff)
    post(client, reverse("action-commentary", args=["1.1"]), "2022-Q1", "Slow start: elections.")
    client.force_login(cast.focal_a)
    for url in (reverse("action-detail", args=["1.1"]), reverse("goal-detail", args=["1"])):
        body = client.get(url).content.decode()
        assert "Slow start: elections." in body and "2022-Q1" in body


def test_one_note_per_period_edited_in_place_with_its_history(client, cast, world):
    first = commentary_save(user=cast.staff, period=world.period, action=world.action, text="First take.")
    client.force_login(cast.staff)
    form = client.get(reverse("action-detail", args=["1.1"]), {"commentary": "2022-Q2"}).context["commentary_form"]
    assert form.initial["text"] == "First take." and form.initial["version"] == first.version
    post(client, reverse("action-commentary", args=["1.1"]), "2022-Q2", "Second take.", version=first.version)
    note = Commentary.objects.get(action=world.action, period=world.period)
    assert note.pk == first.pk and note.text == "Second take."
    assert [h.text for h in note.history.order_by("history_date")] == ["First take.", "Second take."]


def test_a_stale_form_saves_nothing_and_keeps_the_text(client, cast, world):
    note = commentary_save(user=cast.staff, period=world.period, goal=world.action.goal, text="Theirs.")
    client.force_login(cast.staff)
    response = post(client, reverse("goal-commentary", args=["1"]), "2022-Q2", "Mine.", version=0)
    assert response.status_code == 400
    assert "Mine." in response.content.decode()
    note.refresh_from_db()
    assert note.text == "Theirs."
    with pytest.raises(ConflictError):
        commentary_save(user=cast.staff, period=world.period, goal=world.action.goal, text="x", expected_version=7)


def test_a_period_that_is_not_in_the_plan_is_an_error_on_the_field(client, cast, world):
    client.force_login(cast.staff)
    response = post(client, reverse("goal-commentary", args=["1"]), "1999-Q1", "x")
    assert response.status_code == 400
    assert response.context["commentary_form"].errors["period"]
    assert not Commentary.objects.exists()


def test_focal_points_and_anonymous_cannot_write(client, cast, world):
    client.force_login(cast.focal_a)
    assert post(client, reverse("goal-commentary", args=["1"]), "2022-Q2", "x").status_code == 404
    client.logout()
    assert post(client, reverse("goal-commentary", args=["1"]), "2022-Q2", "x").status_code == 302
    with pytest.raises(PermissionDenied):
        commentary_save(user=cast.focal_a, period=world.period, goal=world.action.goal, text="x")
    assert not Commentary.objects.exists()


def test_the_periods_report_prints_the_periods_commentary():
    scenario = make_scenario()
    staff = f.StaffFactory()
    goal = scenario.plan.goals.get(code="1")
    commentary_save(user=staff, period=scenario.period, goal=goal, text="On course after a slow start.")
    commentary_save(user=staff, period=scenario.period, action=scenario.action_2, text="Waiting for the survey.")
    other = f.ReportingPeriodFactory(plan=scenario.plan, code="2021-Q4")
    commentary_save(user=staff, period=other, goal=goal, text="Another period's note.")
    report = report_services.report_build(report_id=make_report(scenario).pk)
    assert report.snapshot["commentary"] == {
        "goals": {"1": "On course after a slow start."}, "actions": {"2.1": "Waiting for the survey."},
    }
    html = render_html(report.snapshot, "fr")
    assert "On course after a slow start." in html and "Waiting for the survey." in html
    assert "Another period's note." not in html


def test_the_api_lists_the_notes_read_only(client, cast, world):
    commentary_save(user=cast.staff, period=world.period, goal=world.action.goal, text="On course.")
    commentary_save(user=cast.staff, period=world.previous, action=world.action, text="Slow start.")
    commentary_save(user=cast.staff, period=world.previous, action=world.other_action, text="")
    client.force_login(cast.focal_b)
    rows = client.get("/api/v1/commentary/").json()["results"]
    assert [(r["period"], r["goal"], r["action"], r["text"]) for r in rows] == [
        ("2022-Q2", "1", None, "On course."), ("2022-Q1", None, "1.1", "Slow start.")]
    rows = client.get("/api/v1/commentary/", {"action": "1.1"}).json()["results"]
    assert [r["text"] for r in rows] == ["Slow start."]
    assert client.post("/api/v1/commentary/", {}, content_type="application/json").status_code in (403, 405)


def test_a_note_whose_author_is_gone_still_shows(client, cast, world):
    Commentary.objects.create(period=world.period, goal=world.action.goal, text="Written before the move.")
    client.force_login(cast.staff)
    response = client.get(reverse("goal-detail", args=["1"]))
    assert response.status_code == 200 and "Written before the move." in response.content.decode()
