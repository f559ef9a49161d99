"""The plan pages as staff use them: forms, conflicts, in-place htmx edits,
history and restore, languages, query counts."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from actions import services
from actions.models import Action, Participation
from actions.tests.plan_helpers import small_plan
from metroplan.testing import factories as f

pytestmark = pytest.mark.django_db


def edit_payload(action, **overrides):
    data = {
        "goal": action.goal_id, "code": action.code, "title_en": action.title_en, "title_fr": "", "title_es": "",
        "description_en": "", "description_fr": "", "description_es": "", "lead": "",
        "start_date": "2021-01-01", "end_date": "2023-12-31", "status": action.status, "weight": 1,
        "version": action.version,
    }
    data.update(overrides)
    return data


def test_edit_saves_and_bumps_version(client, cast):
    _, _, _, action, _ = small_plan()
    client.force_login(cast.staff)
    response = client.post(reverse("plan-action-edit", args=["1.1"]),
                           edit_payload(action, title_en="Better title", title_fr="Meilleur titre"))
    assert response.status_code == 302
    action.refresh_from_db()
    assert (action.title_en, action.title_fr, action.version) == ("Better title", "Meilleur titre", 2)


def test_saving_over_a_newer_version_is_refused_keeping_the_typed_values(client, cast):
    _, _, _, action, _ = small_plan()
    opened = edit_payload(action)
    colleague = f.StaffFactory(username="colleague")
    services.action_update(user=colleague, action=action, data={"status": "at_risk"})
    client.force_login(cast.staff)
    response = client.post(reverse("plan-action-edit", args=["1.1"]), {**opened, "title_en": "My careful words"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Not saved" in html and "colleague" in html
    assert "At risk" in html and "On track" in html  # the field that changed, old and new
    assert 'value="My careful words"' in html
    action.refresh_from_db()
    assert action.title_en == "Issue papers" and action.status == "at_risk"
    # the form now carries the current version: a second, informed save goes through
    assert f'name="version" value="{action.version}"' in html


@pytest.mark.parametrize(
    ("weight", "words"), [("0", "greater than or equal to 1"), ("101", "less than or equal to 100")]
)
def test_the_action_form_takes_the_models_weight_range(client, cast, weight, words):
    _, _, _, action, _ = small_plan()
    client.force_login(cast.staff)
    response = client.post(reverse("plan-action-edit", args=["1.1"]), edit_payload(action, weight=weight))
    assert response.status_code == 200
    assert words in response.content.decode()
    action.refresh_from_db()
    assert (action.weight, action.version) == (1, 1)


def test_bad_input_keeps_everything_typed(client, cast):
    _, _, _, action, _ = small_plan()
    client.force_login(cast.staff)
    response = client.post(reverse("plan-action-edit", args=["1.1"]),
                           edit_payload(action, title_en="Kept", end_date="2020-01-01"))
    html = response.content.decode()
    assert "The end date is before the start date." in html
    assert 'value="Kept"' in html


def test_status_in_place_with_htmx(client, cast):
    _, _, _, action, _ = small_plan()
    client.force_login(cast.staff)
    response = client.post(reverse("plan-action-status", args=["1.1"]), {"status": "completed", "version": 1},
                           HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "Saved." in response.content.decode()
    assert 'name="version" value="2"' in response.content.decode()
    assert Action.objects.get(pk=action.pk).status == "completed"


def test_stale_status_change_in_place_is_refused(client, cast):
    _, _, _, action, _ = small_plan()
    services.action_update(user=cast.staff, action=action, data={"status": "at_risk"})
    client.force_login(cast.staff)
    response = client.post(reverse("plan-action-status", args=["1.1"]), {"status": "completed", "version": 1},
                           HTTP_HX_REQUEST="true")
    assert "Not saved" in response.content.decode()
    assert Action.objects.get(pk=action.pk).status == "at_risk"


def test_participant_added_and_removed_in_place(client, cast):
    _, _, _, action, _ = small_plan()
    client.force_login(cast.staff)
    url = reverse("plan-action-participant", args=["1.1"])
    response = client.post(url, {"member": cast.member_a.pk, "taking_part": "1"}, HTTP_HX_REQUEST="true")
    assert "Member A added." in response.content.decode()
    assert Participation.objects.filter(action=action, member=cast.member_a).exists()
    client.post(url, {"member": cast.member_a.pk, "taking_part": "0"}, HTTP_HX_REQUEST="true")
    assert not Participation.objects.filter(action=action).exists()


def test_full_form_creates_action_with_participants_and_sdgs(client, cast):
    plan, goal, *_ = small_plan()
    client.force_login(cast.staff)
    members = [f.MemberFactory() for _ in range(3)]
    payload = edit_payload(Action(goal=goal, code="1.5", title_en="Peer learning", status="not_started"),
                           version="", participants=[m.pk for m in members], sdgs=[11, 17], lead=cast.staff.pk)
    response = client.post(reverse("plan-action-create", args=["1"]), payload)
    assert response.status_code == 302
    action = Action.objects.get(code="1.5")
    assert action.participants.count() == 3 and action.lead == cast.staff
    assert list(action.sdgs.values_list("number", flat=True)) == [11, 17]


def test_indicator_form_reports_milestone_outside_dates(client, cast):
    small_plan()
    client.force_login(cast.staff)
    payload = {"code": "1.1.c", "name_en": "Cities", "name_fr": "", "name_es": "", "description_en": "",
               "description_fr": "", "description_es": "", "unit": "cities", "baseline": "0", "target": "10",
               "direction": "increase", "version": "", "ms-TOTAL_FORMS": "2", "ms-INITIAL_FORMS": "0",
               "ms-0-year": "2030", "ms-0-value": "5", "ms-1-year": "", "ms-1-value": ""}
    response = client.post(reverse("plan-indicator-create", args=["1.1"]), payload)
    assert "outside the action" in response.content.decode()
    assert 'value="Cities"' in response.content.decode()


def test_history_page_and_restore(client, cast):
    _, _, _, action, _ = small_plan()
    services.action_update(user=cast.staff, action=action, data={"title_en": "Changed"})
    client.force_login(cast.staff)
    html = client.get(reverse("plan-action-history", args=["1.1"])).content.decode()
    assert "Issue papers" in html and "Changed" in html and "staff" in html
    first = action.history.filter(version=1).latest("history_date")
    response = client.post(reverse("plan-action-restore", args=["1.1", first.history_id]), {"version": 2})
    assert response.status_code == 302
    action.refresh_from_db()
    assert (action.title_en, action.version) == ("Issue papers", 3)


def test_pages_show_the_users_language_with_english_fallback(client, cast):
    _, _, _, action, _ = small_plan()
    services.action_update(user=cast.staff, action=action, data={"title_fr": "Notes d'orientation"})
    client.force_login(cast.focal_a)
    with translation.override("fr"):
        fr = client.get(reverse("plan-outline"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    es = client.get(reverse("plan-outline"), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Notes d&#x27;orientation" in fr
    assert "Issue papers" in es  # no Spanish title: English


@pytest.mark.usefixtures("one_quarter_hour")
def test_outline_query_count_does_not_grow_with_the_plan(client, cast):
    plan, goal1, goal2, *_ = small_plan()
    client.force_login(cast.staff)
    client.get(reverse("plan-outline"))

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("plan-outline")).status_code == 200
        return len(queries)

    few = count()
    for n in range(5):
        goal = f.GoalFactory(plan=plan, code=str(10 + n))
        for m in range(3):
            action = f.ActionFactory(goal=goal, code=f"{10 + n}.{m}", members=[f.MemberFactory()])
            f.IndicatorFactory(action=action)
            action.sdgs.add(11)
    assert count() == few


def test_export_page(client, cast):
    small_plan()
    client.force_login(cast.staff)
    csv_text = client.get(reverse("plan-export-csv")).content.decode()
    assert "1.1.a" in csv_text and "Issue papers" in csv_text


def test_reorder_and_retire_in_place_return_the_outline(client, cast):
    plan, goal1, goal2, action, other = small_plan()
    second = f.ActionFactory(goal=goal1, code="1.2", title="Second", order=5)
    client.force_login(cast.staff)
    response = client.post(reverse("plan-action-move", args=["1.2"]), {"direction": "up"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert html.index('id="action-1.2"') < html.index('id="action-1.1"')
    assert Action.objects.get(pk=second.pk).order < Action.objects.get(pk=action.pk).order
    response = client.post(reverse("plan-action-retire", args=["1.2"]), {"retired": "1"}, HTTP_HX_REQUEST="true")
    assert Action.objects.get(pk=second.pk).retired


def test_staff_edit_an_indicators_measure_and_how_it_adds_up_in_the_plan_editor(client, cast):
    small_plan()
    client.force_login(cast.staff)
    payload = {"code": "1.1.c", "name_en": "Levels", "name_fr": "", "name_es": "", "description_en": "",
               "description_fr": "", "description_es": "", "unit": "level", "baseline": "0", "target": "2",
               "direction": "increase", "version": "", "ms-TOTAL_FORMS": "0", "ms-INITIAL_FORMS": "0",
               "measure": "qualitative", "scale": "", "across": "median", "over_time": "latest",
               "carry_forward": "2", "decimals": "", "threshold": ""}
    refused = client.post(reverse("plan-indicator-create", args=["1.1"]), payload)
    assert refused.status_code == 200 and "Give at least two steps of the scale." in refused.content.decode()
    payload["scale"] = "not started\nin progress\n\nachieved\n"
    response = client.post(reverse("plan-indicator-create", args=["1.1"]), payload)
    assert response.status_code == 302, response.content.decode()[:500]
    indicator = Action.objects.get(code="1.1").indicators.get(code="1.1.c")
    assert (indicator.measure, indicator.scale, indicator.across, indicator.over_time, indicator.carry_forward) == (
        "qualitative", ["not started", "in progress", "achieved"], "median", "latest", 2)
    page = client.get(reverse("plan-indicator-edit", args=["1.1", "1.1.c"])).content.decode()
    assert "not started\nin progress\nachieved" in page
