"""The service layer beyond the state machine: validation, evidence, reopening,
bulk approval, "no change", and notifications queued after commit only."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from metroplan.models import OutboxMessage
from metroplan.outbox import outbox_relay
from metroplan.services import PermissionDenied, ServiceError, ValidationError
from reporting import services
from reporting.models import Evidence, IndicatorValue, PeriodReopening, ProgressUpdate
from reporting.notifications import send_update_notification
from reporting.services import IndicatorEntry, parse_indicator_entry

from .conftest import make_update

pytestmark = pytest.mark.django_db


def save(world, cast, user=None, **kwargs):
    defaults = dict(
        user=user or cast.focal_a, member=cast.member_a, action=world.action, period=world.period,
        narrative="We trained 12 cities.", status="on_track", values=world.complete_values(),
    )
    return services.update_save(**{**defaults, **kwargs})


# Validation ---------------------------------------------------------------------------


@pytest.mark.parametrize("raw", ["abc", "12abc", "1.2.3", "nan", "inf", "1e15"])
def test_a_value_that_is_not_a_usable_number_is_refused(raw):
    with pytest.raises(ValidationError):
        parse_indicator_entry(raw, language="en")


def test_numbers_are_parsed_with_thousands_separators():
    assert parse_indicator_entry("1,234.5", language="en").value == Decimal("1234.50")
    assert parse_indicator_entry("  ", language="en").value is None


@pytest.mark.parametrize(
    ("language", "typed", "stored"),
    [("fr", "1,5", "1.50"), ("fr", "1 234,5", "1234.50"), ("es", "2,5", "2.50"), ("es", "1.234,5", "1234.50"),
     ("en", "1,234.5", "1234.50"), (None, "1234.5", "1234.50")],
)
def test_an_indicator_value_is_read_in_the_language_it_was_typed_in(language, typed, stored):
    assert str(parse_indicator_entry(typed, language=language).value) == stored


@pytest.mark.parametrize(("language", "typed"), [("fr", "1.234,5"), ("en", "0.125"), ("en", "2,5"), (None, "1,5")])
def test_an_indicator_value_is_never_rounded_or_guessed(language, typed):
    # The audit's cases: "1.234,5" had become 1.23, "0.125" 0.12, "2,5" 25.00.
    with pytest.raises(ValidationError):
        parse_indicator_entry(typed, language=language)


def test_not_available_needs_a_reason():
    with pytest.raises(ValidationError):
        parse_indicator_entry("", not_available=True, reason=" ", language="en")
    assert parse_indicator_entry("", True, "Survey delayed", language="en").not_available


def test_empty_narrative_can_be_saved_as_draft_but_not_submitted(cast, world):
    update = save(world, cast, narrative="  ")
    with pytest.raises(ValidationError) as exc:
        services.update_submit(user=cast.focal_a, update=update)
    assert "narrative" in exc.value.message_dict
    update.refresh_from_db()
    assert update.state == "draft"


def test_submission_needs_every_indicator(cast, world):
    update = save(world, cast, values={world.ind_count.pk: IndicatorEntry(value=Decimal("3"))})
    with pytest.raises(ValidationError) as exc:
        services.update_submit(user=cast.focal_a, update=update)
    assert f"indicator_{world.ind_budget.pk}" in exc.value.message_dict


def test_a_value_for_another_actions_indicator_is_refused_and_nothing_is_written(cast, world):
    values = {**world.complete_values(), world.other_indicator.pk: IndicatorEntry(value=Decimal("1"))}
    with pytest.raises(ValidationError) as exc:
        save(world, cast, values=values)
    assert f"indicator_{world.other_indicator.pk}" in exc.value.message_dict
    assert not ProgressUpdate.objects.exists()
    assert not IndicatorValue.objects.exists()


def test_an_update_for_a_member_the_user_does_not_belong_to_is_refused_the_same_way(cast, world):
    """Whether or not member B has an update there, the refusal reads the same."""
    with pytest.raises(PermissionDenied) as without:
        save(world, cast, member=cast.member_b)
    make_update(world, cast.member_b, state="draft")
    with pytest.raises(PermissionDenied) as with_update:
        save(world, cast, member=cast.member_b)
    assert str(without.value) == str(with_update.value)


def test_a_member_not_taking_part_in_the_action_is_refused(cast, world):
    with pytest.raises(ServiceError) as exc:
        save(world, cast, member=cast.member_b, action=world.other_action, user=cast.staff, values={})
    assert exc.value.code == "not_participant"


def test_double_submit_is_refused_with_a_clear_message(cast, world):
    update = save(world, cast)
    services.update_submit(user=cast.focal_a, update=update)
    with pytest.raises(ServiceError) as exc:
        services.update_submit(user=cast.focal_a, update=update)
    assert exc.value.code == "invalid_transition"
    assert "already submitted" in exc.value.message


def test_unknown_status_is_refused(cast, world):
    with pytest.raises(ValidationError):
        save(world, cast, status="fine")


# Closed periods and reopening ----------------------------------------------------------------------


def test_a_closed_period_takes_drafts_but_refuses_submission_and_says_why(cast, world):
    update = save(world, cast, period=world.closed)
    with pytest.raises(ServiceError) as exc:
        services.update_submit(user=cast.focal_a, update=update)
    assert exc.value.code == "period_closed"
    assert "2021-Q4 is closed" in exc.value.message
    assert services.period_lock_reason(period=world.closed, member=cast.member_a) == exc.value.message


def test_reopening_request_grant_and_expiry(cast, world, django_capture_on_commit_callbacks):
    update = save(world, cast, period=world.closed)
    with django_capture_on_commit_callbacks() as callbacks:
        reopening = services.reopening_request(
            user=cast.focal_a, member=cast.member_a, period=world.closed, reason="The mayor's office was closed."
        )
    assert len(callbacks) == 1
    with pytest.raises(ServiceError):  # a second request while the first waits
        services.reopening_request(user=cast.focal_a, member=cast.member_a, period=world.closed, reason="again")
    with pytest.raises(PermissionDenied):
        services.reopening_grant(user=cast.focal_a, reopening=reopening, days=10)
    with pytest.raises(ValidationError):
        services.reopening_grant(user=cast.staff, reopening=reopening, days=0)
    reopening = services.reopening_grant(user=cast.staff, reopening=reopening, days=10)
    assert reopening.until == timezone.localdate() + timedelta(days=10)
    assert reopening.decided_by == cast.staff
    # Member B is still locked out; member A may submit.
    assert services.period_lock_reason(period=world.closed, member=cast.member_b)
    assert services.period_lock_reason(period=world.closed, member=cast.member_a) is None
    assert services.update_submit(user=cast.focal_a, update=update).state == "submitted"
    # Once the days run out, the lock says so.
    later = timezone.localdate() + timedelta(days=11)
    assert "run out" in services.period_lock_reason(period=world.closed, member=cast.member_a, today=later)


def test_reopening_needs_a_reason_and_a_closed_period(cast, world):
    with pytest.raises(ValidationError):
        services.reopening_request(user=cast.focal_a, member=cast.member_a, period=world.closed, reason=" ")
    with pytest.raises(ServiceError):
        services.reopening_request(user=cast.focal_a, member=cast.member_a, period=world.period, reason="why")
    with pytest.raises(PermissionDenied):
        services.reopening_request(user=cast.focal_b, member=cast.member_a, period=world.closed, reason="why")


def test_refused_reopening_cannot_then_be_granted(cast, world):
    reopening = services.reopening_request(user=cast.focal_a, member=cast.member_a, period=world.closed, reason="r")
    services.reopening_refuse(user=cast.staff, reopening=reopening)
    with pytest.raises(ServiceError):
        services.reopening_grant(user=cast.staff, reopening=reopening, days=5)
    assert PeriodReopening.objects.get().state == "refused"


# "No change since last period" ------------------------------------------------------------------


def test_no_change_copies_the_previous_update_and_submits_it_fresh(cast, world):
    previous = make_update(world, cast.member_a, state="approved", period=world.previous, narrative="Last time.")
    update = services.update_submit_no_change(
        user=cast.focal_a, member=cast.member_a, action=world.action, period=world.period
    )
    assert update.state == "submitted" and update.no_change
    assert update.narrative == "Last time." and update.status == previous.status
    assert update.pk != previous.pk and update.submitted_at > previous.submitted_at
    copied = {v.indicator_id: (v.value, v.not_available) for v in update.values.all()}
    assert copied == {world.ind_count.pk: (Decimal("10.00"), False), world.ind_budget.pk: (None, True)}


def test_no_change_without_a_previous_update_is_refused(cast, world):
    with pytest.raises(ServiceError) as exc:
        services.update_submit_no_change(user=cast.focal_a, member=cast.member_a, action=world.action,
                                         period=world.period)
    assert exc.value.code == "no_previous"
    assert not ProgressUpdate.objects.exists()


def test_prefill_comes_from_the_members_previous_update_only(cast, world):
    make_update(world, cast.member_b, state="approved", period=world.previous, narrative="B's text")
    assert services.update_prefill(member=cast.member_a, action=world.action, period=world.period)["previous"] is None
    make_update(world, cast.member_a, state="approved", period=world.previous, narrative="A's text")
    prefill = services.update_prefill(member=cast.member_a, action=world.action, period=world.period)
    assert prefill["narrative"] == "A's text"


# Evidence -----------------------------------------------------------------------------------------


def test_evidence_file_and_link(cast, world, settings):
    update = save(world, cast)
    pdf = SimpleUploadedFile("report.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    evidence = services.evidence_add(user=cast.focal_a, update=update, file=pdf, title="Report")
    # Stored under a random name that says nothing of the member, period or file; its own name is kept.
    assert evidence.file_name == "report.pdf" and evidence.download_name == "report.pdf"
    assert re.fullmatch(r"evidence/[0-9a-f]{32}\.pdf", evidence.file.name)
    assert cast.member_a.slug not in evidence.file.name
    link = services.evidence_add(user=cast.focal_a, update=update, url="https://example.org/news")
    assert link.url == "https://example.org/news"
    services.evidence_remove(user=cast.focal_a, evidence=link)
    assert list(Evidence.objects.values_list("title", flat=True)) == ["Report"]


def test_evidence_too_large_or_of_a_forbidden_type_is_refused(cast, world, settings):
    settings.EVIDENCE_MAX_BYTES = 100
    update = save(world, cast)
    with pytest.raises(ValidationError) as exc:
        services.evidence_add(user=cast.focal_a, update=update, file=SimpleUploadedFile("big.pdf", b"x" * 101))
    assert "limit" in exc.value.message_dict["file"][0]
    with pytest.raises(ValidationError) as exc:
        services.evidence_add(user=cast.focal_a, update=update, file=SimpleUploadedFile("run.exe", b"MZ"))
    assert "exe" in exc.value.message_dict["file"][0]
    with pytest.raises(ValidationError):
        services.evidence_add(user=cast.focal_a, update=update, url="javascript:alert(1)")
    assert not Evidence.objects.exists()


def test_evidence_cannot_be_added_by_another_member_or_to_an_approved_update(cast, world):
    update = make_update(world, cast.member_a, state="approved")
    with pytest.raises(ServiceError):
        services.evidence_add(user=cast.focal_a, update=update, url="https://example.org")
    with pytest.raises(PermissionDenied):
        services.evidence_add(user=cast.focal_b, update=update, url="https://example.org")


# Bulk approval --------------------------------------------------------------------------------


def test_bulk_approve_approves_the_submitted_and_skips_the_rest_with_reasons(cast, world):
    first = make_update(world, cast.member_a, state="submitted")
    second = make_update(world, cast.member_b, state="submitted")
    draft = make_update(world, cast.member_a, state="draft", period=world.previous)
    stale = make_update(world, cast.member_a, state="submitted", action=world.other_action, complete=False)
    result = services.update_bulk_approve(
        user=cast.staff, update_ids=[first.pk, second.pk, draft.pk, stale.pk],
        expected_versions={stale.pk: stale.version + 3},
    )
    assert {u.pk for u in result.approved} == {first.pk, second.pk}
    assert {pk for pk, _ in result.skipped} == {draft.pk, stale.pk}
    assert ProgressUpdate.objects.filter(state="approved").count() == 2


def test_bulk_approve_is_for_staff_only(cast, world):
    update = make_update(world, cast.member_a, state="submitted")
    with pytest.raises(PermissionDenied):
        services.update_bulk_approve(user=cast.focal_a, update_ids=[update.pk])


# Notifications --------------------------------------------------------------------------------


def test_the_email_is_written_with_the_transition_and_sent_after_commit(
    cast, world, celery_eager, django_capture_on_commit_callbacks, mailoutbox
):
    update = save(world, cast)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.update_submit(user=cast.focal_a, update=update)
        assert mailoutbox == []  # not while the transaction is open
    message = OutboxMessage.objects.get()
    assert (message.task, message.kwargs, message.state) == (
        "reporting.tasks.notify_update", {"update_id": update.pk, "event": "submitted"}, "pending"
    )
    for callback in callbacks:
        callback()
    assert [m.to for m in mailoutbox] == [[cast.focal_a.email]]
    assert mailoutbox[0].subject.startswith("Update submitted")
    message.refresh_from_db()
    assert message.state == "done" and message.attempts == 1


def test_a_refused_transition_queues_nothing(cast, world, django_capture_on_commit_callbacks):
    update = save(world, cast, narrative="")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(ValidationError):
            services.update_submit(user=cast.focal_a, update=update)
    assert callbacks == [] and not OutboxMessage.objects.exists()


def test_a_broker_that_is_down_loses_neither_the_transition_nor_its_emails(
    cast, world, celery_broker_down, django_capture_on_commit_callbacks, mailoutbox, caplog
):
    update = save(world, cast)
    with django_capture_on_commit_callbacks(execute=True):
        services.update_submit(user=cast.focal_a, update=update)
    with django_capture_on_commit_callbacks(execute=True):
        services.update_return(user=cast.staff, update=update, comment="Please add the source.")
    update.refresh_from_db()
    assert update.state == "returned" and update.reviewer_comment == "Please add the source."
    assert update.narrative == "We trained 12 cities."
    assert "stays pending" in caplog.text
    assert list(OutboxMessage.objects.values_list("kwargs__event", "state")) == [
        ("submitted", "pending"), ("returned", "pending"),
    ]
    assert mailoutbox == []
    # The broker is back: the periodic relay sends both, once.
    from metroplan.celery import app

    app.conf.task_always_eager = True
    assert outbox_relay() == 2
    assert outbox_relay() == 0
    assert [m.subject.split(":")[0] for m in mailoutbox] == ["Update submitted", "Update returned for changes"]
    assert "Please add the source." in mailoutbox[1].body


def test_the_returned_email_reaches_the_members_focal_points_with_the_comment(cast, world):
    update = make_update(world, cast.member_a, state="returned", reviewer_comment="Add the budget.")
    assert send_update_notification(update_id=update.pk, event="returned") == 1
    assert mail.outbox[0].to == [cast.focal_a.email]
    assert "Add the budget." in mail.outbox[0].body


def test_reopening_emails(cast, world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        reopening = services.reopening_request(
            user=cast.focal_a, member=cast.member_a, period=world.closed, reason="late data"
        )
    assert OutboxMessage.objects.get().kwargs == {"reopening_id": reopening.pk, "event": "requested"}
    from reporting.notifications import send_reopening_notification

    assert send_reopening_notification(reopening_id=reopening.pk, event="requested") == 1
    assert mail.outbox[-1].to == [cast.staff.email]
    services.reopening_grant(user=cast.staff, reopening=reopening, days=7)
    assert send_reopening_notification(reopening_id=reopening.pk, event="granted") == 1
    assert mail.outbox[-1].to == [cast.focal_a.email]
