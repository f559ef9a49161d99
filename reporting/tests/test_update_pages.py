"""The focal point's pages: what is due, the update form with its validation,
conflicts and "no change", and the update's detail and history."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from metroplan.models import OutboxMessage
from metroplan.testing import factories as f
from reporting import services
from reporting.models import Evidence, ProgressUpdate

from .conftest import make_update

pytestmark = pytest.mark.django_db


def edit_url(world, member=None, period=None, action=None):
    return reverse("update-edit", args=[
        (member.slug if member else "member-a"), (period or world.period).code, (action or world.action).code
    ])


def form_data(world, *, version=0, intent="save", narrative="We trained 12 cities.", status="on_track", **extra):
    data = {
        "version": version, "intent": intent, "narrative": narrative, "status": status,
        f"ind_{world.ind_count.pk}_value": "12",
        f"ind_{world.ind_budget.pk}_na": "on",
        f"ind_{world.ind_budget.pk}_reason": "Budget not yet published",
    }
    data.update(extra)
    return data


# The due list ------------------------------------------------------------------------------


def test_due_list_shows_each_expected_slot_with_its_state_overdue_first(client, cast, world):
    make_update(world, cast.member_a, state="returned")
    client.force_login(cast.focal_a)
    response = client.get(reverse("updates"))
    assert response.status_code == 200
    slots = response.context["slots"]
    assert [(s.action.code, s.period.code, s.state) for s in slots] == [
        ("1.2", "2022-Q2", "missing"), ("1.1", "2022-Q2", "returned"),
    ]
    assert slots[0].overdue  # 2022-Q2's deadline has long passed and nothing was submitted
    assert "overdue by" in response.content.decode()


def test_due_list_includes_a_closed_period_reopened_for_the_member(client, cast, world):
    reopening = services.reopening_request(user=cast.focal_a, member=cast.member_a, period=world.closed, reason="r")
    services.reopening_grant(user=cast.staff, reopening=reopening, days=5)
    client.force_login(cast.focal_a)
    periods = {s.period.code for s in client.get(reverse("updates")).context["slots"]}
    assert periods == {"2022-Q2", "2021-Q4"}
    client.force_login(cast.focal_b)
    assert {s.period.code for s in client.get(reverse("updates")).context["slots"]} == {"2022-Q2"}


def test_past_updates_and_demo_badge(client, cast, world):
    make_update(world, cast.member_a, state="approved", period=world.previous, is_demo=True)
    client.force_login(cast.focal_a)
    response = client.get(reverse("updates"))
    assert [u.period.code for u in response.context["past"]] == ["2022-Q1"]
    assert "demo data" in response.content.decode()


def test_due_list_query_count_does_not_grow_with_rows(client, cast, world):
    make_update(world, cast.member_a, state="approved", period=world.previous)
    client.force_login(cast.focal_a)
    client.get(reverse("updates"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("updates"))
    for n in range(6):
        action = f.ActionFactory(goal=world.action.goal, code=f"1.{n + 5}", members=[cast.member_a])
        make_update(world, cast.member_a, state="approved", period=world.previous, action=action, complete=False)
        make_update(world, cast.member_a, state="draft", action=action, complete=False)
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("updates"))
    assert len(response.context["slots"]) == 8
    assert len(many) == len(few)


def test_a_user_without_a_member_is_told_so(client, cast):
    client.force_login(cast.integrator)
    assert "does not report for a member" in client.get(reverse("updates")).content.decode()


def test_staff_land_on_the_review_queue(client, cast):
    client.force_login(cast.staff)
    assert client.get(reverse("updates"))["Location"] == reverse("update-review-queue")


# The form -----------------------------------------------------------------------------------


def test_form_shows_units_baseline_target_and_prefills_from_the_previous_update(client, cast, world):
    make_update(world, cast.member_a, state="approved", period=world.previous, narrative="Last quarter's text")
    client.force_login(cast.focal_a)
    response = client.get(edit_url(world))
    body = response.content.decode()
    assert "Last quarter&#x27;s text" in body and "Pre-filled from your 2022-Q1 update" in body
    assert "Unit: EUR" in body and "Target: 50000" in body
    assert 'inputmode="decimal"' in body  # text, so that "1,5" can be typed in French
    assert response.context["form"].initial[f"ind_{world.ind_count.pk}_value"] == "10"


def test_save_draft_then_submit(client, cast, world):
    client.force_login(cast.focal_a)
    response = client.post(edit_url(world), form_data(world))
    assert response.status_code == 302
    update = ProgressUpdate.objects.get()
    assert update.state == "draft" and update.version == 1
    assert update.values.get(indicator=world.ind_count).value == Decimal("12")
    assert update.values.get(indicator=world.ind_budget).not_available
    response = client.post(edit_url(world), form_data(world, version=1, intent="submit"))
    assert response.status_code == 302
    update.refresh_from_db()
    assert update.state == "submitted" and update.submitted_by == cast.focal_a


def test_submit_with_an_empty_narrative_saves_the_draft_and_marks_the_field(client, cast, world):
    client.force_login(cast.focal_a)
    response = client.post(edit_url(world), form_data(world, intent="submit", narrative=""))
    assert response.status_code == 400
    assert response.context["form"].errors["narrative"] == ["Write a narrative before you submit."]
    assert "saved as a draft" in response.content.decode()
    update = ProgressUpdate.objects.get()
    assert update.state == "draft" and update.values.count() == 2  # what was typed is kept
    assert response.context["form"]["version"].value() == str(update.version)


def test_a_non_numeric_value_is_refused_next_to_its_field_and_nothing_is_saved(client, cast, world):
    client.force_login(cast.focal_a)
    data = form_data(world, **{f"ind_{world.ind_count.pk}_value": "twelve"})
    response = client.post(edit_url(world), data)
    assert response.status_code == 400
    errors = response.context["form"].errors[f"ind_{world.ind_count.pk}_value"]
    assert errors == ["“twelve” is not a number; write it like 1234.5."]
    assert 'value="twelve"' in response.content.decode()  # shown back, not lost
    assert not ProgressUpdate.objects.exists()


@pytest.mark.parametrize(
    ("language", "typed", "stored"),
    [("fr", "1,5", "1.50"), ("fr", "1\u202f234,5", "1234.50"), ("fr", "1 234,5", "1234.50"),
     ("es", "2,5", "2.50"), ("es", "1.234,5", "1234.50"), ("en", "1,234.5", "1234.50"), ("en", "1.5", "1.50")],
)
def test_a_value_is_stored_as_typed_in_the_pages_language(client, cast, world, decimals, language, typed, stored):
    client.force_login(cast.focal_a)
    data = form_data(world, **{f"ind_{world.ind_count.pk}_value": typed})
    response = client.post(edit_url(world), data, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 302
    update = ProgressUpdate.objects.get()
    assert str(update.values.get(indicator=world.ind_count).value) == stored


@pytest.mark.parametrize(
    ("language", "typed", "message"),
    [
        ("fr", "1.234,5", "« 1.234,5 » n'est pas un nombre ; écrivez-le comme 1234,5."),
        ("fr", "0,125", "« 0,125 » a plus de décimales que cette valeur n'en garde : 2 décimales au plus."),
        ("es", "1.234", "«1.234» es ambiguo: escriba 1234 para los miles o 1,234 para los decimales."),
        ("en", "2,5", "Write decimals with a point: 2.5."),
        ("en", "0.125", "“0.125” has more decimals than this value keeps: give at most 2 decimals."),
    ],
)
def test_a_value_that_would_be_guessed_is_refused_next_to_its_field(
    client, cast, world, decimals, language, typed, message
):
    client.force_login(cast.focal_a)
    data = form_data(world, **{f"ind_{world.ind_count.pk}_value": typed})
    response = client.post(edit_url(world), data, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 400
    assert response.context["form"].errors[f"ind_{world.ind_count.pk}_value"] == [message]
    assert not ProgressUpdate.objects.exists()


def test_the_form_shows_a_saved_value_in_the_pages_language_and_takes_it_back_unchanged(client, cast, world, decimals):
    update = make_update(world, cast.member_a)
    update.values.filter(indicator=world.ind_count).update(value=Decimal("1234.5"))
    client.force_login(cast.focal_a)
    page = client.get(edit_url(world), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    field = f'name="ind_{world.ind_count.pk}_value"'
    tag = next(t for t in page.split("<input") if field in t)
    assert 'value="1234,5"' in tag and 'inputmode="decimal"' in tag and 'type="text"' in tag
    data = form_data(world, version=update.version, **{f"ind_{world.ind_count.pk}_value": "1234,5"})
    assert client.post(edit_url(world), data, HTTP_ACCEPT_LANGUAGE="fr").status_code == 302
    assert update.values.get(indicator=world.ind_count).value == Decimal("1234.50")


def test_a_value_and_not_available_together_is_refused(client, cast, world):
    client.force_login(cast.focal_a)
    data = form_data(world, **{f"ind_{world.ind_budget.pk}_value": "5"})
    response = client.post(edit_url(world), data)
    assert response.status_code == 400
    assert f"ind_{world.ind_budget.pk}_value" in response.context["form"].errors


def test_a_value_for_another_actions_indicator_is_refused(client, cast, world):
    client.force_login(cast.focal_a)
    data = form_data(world, **{f"ind_{world.other_indicator.pk}_value": "3"})
    response = client.post(edit_url(world), data)
    assert response.status_code == 400
    assert "not part of this action" in response.content.decode()
    assert not ProgressUpdate.objects.exists()


@pytest.mark.parametrize("name,content,message", [
    ("huge.pdf", b"x" * 2048, "the limit is"),
    ("virus.exe", b"MZ", "are not accepted"),
])
def test_a_file_too_large_or_of_a_forbidden_type_is_refused(client, cast, world, settings, name, content, message):
    settings.EVIDENCE_MAX_BYTES = 1024
    client.force_login(cast.focal_a)
    data = form_data(world, evidence_file=SimpleUploadedFile(name, content))
    response = client.post(edit_url(world), data)
    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors["evidence_file"])
    assert "We trained 12 cities." in response.content.decode()
    assert not ProgressUpdate.objects.exists() and not Evidence.objects.exists()


def test_evidence_is_attached_downloaded_and_removed(client, cast, world):
    client.force_login(cast.focal_a)
    data = form_data(world, evidence_file=SimpleUploadedFile("minutes.pdf", b"%PDF-1.4"), evidence_title="Minutes")
    assert client.post(edit_url(world), data).status_code == 302
    evidence = Evidence.objects.get()
    download = client.get(reverse("evidence-download", args=[evidence.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == b"%PDF-1.4"
    client.force_login(cast.focal_b)
    assert client.get(reverse("evidence-download", args=[evidence.pk])).status_code == 404
    client.force_login(cast.focal_a)
    assert client.post(reverse("evidence-remove", args=[evidence.pk])).status_code == 302
    assert not Evidence.objects.exists()


def test_a_closed_period_says_why_it_is_locked_and_offers_to_ask_for_reopening(client, cast, world):
    client.force_login(cast.focal_a)
    url = edit_url(world, period=world.closed)
    body = client.get(url).content.decode()
    assert "Period 2021-Q4 is closed to new submissions" in body and "Ask to reopen" in body
    response = client.post(url, form_data(world, intent="submit"))
    assert response.status_code == 400
    assert "Period 2021-Q4 is closed" in response.content.decode()
    assert ProgressUpdate.objects.get().state == "draft"  # the text is kept as a draft
    response = client.post(reverse("reopening-request", args=["member-a", "2021-Q4"]),
                           {"reason": "Our data came late.", "next": url})
    assert response["Location"] == url
    assert "has not answered yet" in client.get(url).content.decode()


def test_another_members_slot_is_404_whether_or_not_an_update_exists(client, cast, world):
    client.force_login(cast.focal_a)
    url = edit_url(world, member=cast.member_b)
    empty = client.get(url)
    make_update(world, cast.member_b, state="draft")
    existing = client.get(url)
    posted = client.post(url, form_data(world))
    assert empty.status_code == existing.status_code == posted.status_code == 404
    assert ProgressUpdate.objects.get().narrative == "Work is going well."


def test_double_submit_changes_nothing_and_says_so(client, cast, world):
    client.force_login(cast.focal_a)
    client.post(edit_url(world), form_data(world, intent="submit"))
    update = ProgressUpdate.objects.get()
    response = client.post(edit_url(world), form_data(world, intent="submit"), follow=True)
    assert "already submitted" in response.content.decode()
    update.refresh_from_db()
    assert update.version == 2  # saved once, submitted once


def test_a_concurrent_save_is_refused_and_the_typed_text_shown_back(client, cast, world):
    update = make_update(world, cast.member_a, state="draft")
    client.force_login(cast.focal_a)
    opened = client.get(edit_url(world)).context["form"]["version"].value()
    services.update_save(user=cast.staff, member=cast.member_a, action=world.action, period=world.period,
                         narrative="The secretariat's correction.", status="at_risk", expected_version=opened)
    response = client.post(edit_url(world), form_data(world, version=opened, narrative="My own words."))
    assert response.status_code == 409
    body = response.content.decode()
    assert "Someone else saved this update" in body
    assert "My own words." in body and "The secretariat&#x27;s correction." in body
    update.refresh_from_db()
    assert update.narrative == "The secretariat's correction."
    # Saving again from the re-shown form (now on the current version) replaces it.
    version = response.context["form"]["version"].value()
    assert int(version) == update.version
    assert client.post(edit_url(world), form_data(world, version=version, narrative="My own words.")).status_code == 302
    update.refresh_from_db()
    assert update.narrative == "My own words."


def test_no_change_asks_first_and_keeps_the_typed_draft_then_submits_a_fresh_update(client, cast, world):
    make_update(world, cast.member_a, state="approved", period=world.previous, narrative="Same as before")
    client.force_login(cast.focal_a)
    assert "No change since last period" in client.get(edit_url(world)).content.decode()
    # The button belongs to the update form: what was typed comes along and is shown back, nothing is sent.
    response = client.post(edit_url(world), form_data(world, intent="no_change", narrative="Half-typed text"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Submit “no change since last period”?" in body
    assert "What you typed in the form below is not submitted and is not saved." in body
    assert "Half-typed text" in body
    assert not ProgressUpdate.objects.filter(period=world.period).exists()
    response = client.post(edit_url(world), {"intent": "no_change", "confirm": "yes", "version": 0})
    assert response.status_code == 302
    update = ProgressUpdate.objects.get(period=world.period)
    assert update.state == "submitted" and update.no_change and update.narrative == "Same as before"


def test_no_change_over_a_saved_draft_says_the_draft_is_replaced(client, cast, world):
    make_update(world, cast.member_a, state="approved", period=world.previous, narrative="Same as before")
    draft = make_update(world, cast.member_a, state="draft", narrative="My draft", version=3)
    client.force_login(cast.focal_a)
    response = client.post(edit_url(world), form_data(world, version=3, intent="no_change", narrative="My draft"))
    assert response.status_code == 200 and "Your saved draft is replaced." in response.content.decode()
    draft.refresh_from_db()
    assert draft.state == "draft" and draft.narrative == "My draft"


def test_focal_points_do_not_read_internal_version_numbers(client, cast, world):
    update = make_update(world, cast.member_a, state="returned", version=5, reviewer_comment="More please",
                         reviewed_by=cast.staff)
    client.force_login(cast.focal_a)
    form_page = client.get(edit_url(world)).content.decode()
    assert "version 5" not in form_page.lower()
    assert 'name="version" value="5"' in form_page  # kept for conflict detection
    assert "version 5" not in client.get(reverse("update-detail", args=[update.pk])).content.decode().lower()


def test_a_returned_update_shows_the_reviewers_comment(client, cast, world):
    make_update(world, cast.member_a, state="returned", reviewer_comment="Please give the budget figure.",
                reviewed_by=cast.staff)
    client.force_login(cast.focal_a)
    body = client.get(edit_url(world)).content.decode()
    assert "Please give the budget figure." in body and "Returned by staff" in body


def test_a_submitted_update_opens_read_only_for_the_focal_point(client, cast, world):
    update = make_update(world, cast.member_a, state="submitted")
    client.force_login(cast.focal_a)
    assert client.get(edit_url(world))["Location"] == reverse("update-detail", args=[update.pk])


def test_submitting_while_the_broker_is_down_keeps_the_submission_and_its_email(
    client, cast, world, celery_broker_down, django_capture_on_commit_callbacks
):
    client.force_login(cast.focal_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(edit_url(world), form_data(world, intent="submit"), follow=True)
    assert response.status_code == 200
    assert ProgressUpdate.objects.get().state == "submitted"
    # The page promises an e-mail: it is kept until the broker answers.
    assert "you will get an e-mail" in response.content.decode()
    assert OutboxMessage.objects.get().state == OutboxMessage.State.PENDING


# History ------------------------------------------------------------------------------------


def test_history_shows_who_changed_what_and_when(client, cast, world):
    client.force_login(cast.focal_a)
    client.post(edit_url(world), form_data(world, narrative="First words."))
    client.post(edit_url(world), form_data(world, version=1, narrative="Second words.", intent="submit",
                                           **{f"ind_{world.ind_count.pk}_value": "15"}))
    update = ProgressUpdate.objects.get()
    services.update_return(user=cast.staff, update=update, comment="Cite the source.")
    response = client.get(reverse("update-history", args=[update.pk]))
    assert response.status_code == 200
    entries = response.context["entries"]
    who = {(e.who.username if e.who else None) for e in entries}
    assert {"focal-a", "staff"} <= who
    body = response.content.decode()
    assert "First words." in body and "Second words." in body and "Cite the source." in body
    value_changes = [e for e in entries if e.subject.startswith("1.1.a")]
    assert [c[1:] for e in value_changes for c in e.changes if c[0] == "value"][-1] == (
        Decimal("12.00"), Decimal("15.00")
    )
    client.force_login(cast.focal_b)
    assert client.get(reverse("update-history", args=[update.pk])).status_code == 404


def test_history_of_an_update_with_an_uploaded_file_opens_and_names_the_file(client, cast, world):
    client.force_login(cast.focal_a)
    data = form_data(world, evidence_file=SimpleUploadedFile("minutes.pdf", b"%PDF-1.4"), evidence_title="Minutes")
    assert client.post(edit_url(world), data).status_code == 302
    update = ProgressUpdate.objects.get()
    evidence = Evidence.objects.get()
    assert client.post(reverse("evidence-remove", args=[evidence.pk])).status_code == 302
    response = client.get(reverse("update-history", args=[update.pk]))
    assert response.status_code == 200
    evidence_entries = [e for e in response.context["entries"] if e.subject == "Minutes"]
    assert [e.what for e in evidence_entries] == ["created", "deleted"]
    assert evidence_entries[0].changes[0][2].endswith(".pdf")
    assert "/" not in evidence_entries[0].changes[0][2]  # the file's name, not its storage path


def test_a_focal_point_can_ask_to_report_late_in_any_closed_period_from_the_updates_page(client, cast, world):
    client.force_login(cast.focal_a)
    body = client.get(reverse("updates")).content.decode()
    assert "Report late in a closed period" in body and '<option value="2021-Q4">' in body
    response = client.post(reverse("reopening-request-any", args=["member-a"]),
                           {"period": "2021-Q4", "reason": "The council met late."}, follow=True)
    assert "went to the secretariat" in response.content.decode()
    reopening = cast.member_a.reopenings.get()
    assert (reopening.period, reopening.state, reopening.requested_by) == (world.closed, "requested", cast.focal_a)
    assert "waiting for the secretariat" in response.content.decode()
