import pytest
from django.core.management import call_command

from actions.models import Participation
from members.models import ApiToken, FocalPoint
from reporting.management.commands import seed_demo
from reporting.models import ApprovedIndicatorValue, IndicatorValue, ProgressUpdate


def snapshot():
    return (
        ProgressUpdate.objects.count(),
        IndicatorValue.objects.count(),
        Participation.objects.count(),
        FocalPoint.objects.count(),
        ApiToken.objects.count(),
        sorted(ProgressUpdate.objects.values_list("member__slug", "action__code", "period__code", "state")),
    )


@pytest.mark.django_db
def test_seed_demo_is_reproducible_idempotent_and_labelled(capsys, monkeypatch):
    monkeypatch.setattr(seed_demo, "demo_reports_build", lambda: [])  # the reports have their own test
    call_command("load_plan")
    call_command("seed_demo")
    out = capsys.readouterr().out
    first = snapshot()
    call_command("seed_demo")
    assert snapshot() == first

    assert "secretariat" in out and "fp-barcelona" in out and "integrator" in out and "metroplan-demo" in out
    states = set(ProgressUpdate.objects.values_list("state", flat=True))
    assert states == {"draft", "submitted", "returned", "approved"}
    assert not ProgressUpdate.objects.filter(is_demo=False).exists()
    assert ProgressUpdate.objects.filter(narrative__startswith="[Demo data]").count() == ProgressUpdate.objects.count()
    # Known pilot participants stay as the plan says; the demo adds its own, labelled.
    assert set(Participation.objects.filter(action__code="4.1").values_list("member__slug", flat=True)) == {
        "bogota", "madrid", "seoul"
    }
    assert Participation.objects.filter(is_demo=True).exists()
    assert ProgressUpdate.objects.values("member").distinct().count() > 50
    assert ProgressUpdate.objects.values("period").distinct().count() == 12
    # The figures count the demo's approved values: the bulk seed kept the engine's approved values in step.
    approved = IndicatorValue.objects.filter(update__state="approved")
    assert set(ApprovedIndicatorValue.objects.values_list("source_id", "value", "approved_at")) == set(
        approved.values_list("pk", "value", "update__reviewed_at")) != set()


@pytest.mark.django_db
def test_seed_demo_gives_actions_a_lead_that_the_action_page_shows(client, monkeypatch):
    from actions.models import Action

    monkeypatch.setattr(seed_demo, "demo_reports_build", lambda: [])
    call_command("load_plan")
    call_command("seed_demo")
    assert not Action.objects.filter(lead__isnull=True).exists()
    assert set(Action.objects.values_list("lead__username", flat=True)) == {"secretariat"}
    client.login(username="fp-barcelona", password="metroplan-demo")
    action = Action.objects.order_by("goal__order", "order").first()
    body = client.get(f"/actions/{action.code}/").content.decode()
    assert "<dt>Lead</dt><dd>secretariat</dd>" in body


@pytest.mark.django_db
def test_a_new_real_update_never_starts_from_a_demo_updates_narrative(client, cast, world):
    from django.urls import reverse

    from reporting import services

    from .conftest import make_update

    make_update(world, cast.member_a, state="approved", period=world.previous, is_demo=True,
                narrative="[Demo data] Member A on 1.1 in 2022-Q1: a workshop.")
    prefill = services.update_prefill(member=cast.member_a, action=world.action, period=world.period)
    assert prefill["narrative"] == "" and prefill["previous"] is None and prefill["values"] == {}
    client.force_login(cast.focal_a)
    page = client.get(reverse("update-edit", args=["member-a", world.period.code, world.action.code]))
    assert page.status_code == 200
    assert "[Demo data]" not in page.content.decode()


@pytest.mark.django_db
def test_the_demo_seed_attributes_no_review_to_the_secretariat(monkeypatch):
    monkeypatch.setattr(seed_demo, "demo_reports_build", lambda: [])
    call_command("load_plan")
    call_command("seed_demo")
    reviewed = ProgressUpdate.objects.filter(state__in=["approved", "returned"])
    assert reviewed.exists()
    assert not reviewed.filter(reviewed_by__isnull=False).exists()
    assert not ProgressUpdate.objects.filter(submitted_by__isnull=False).exists()
    assert not ProgressUpdate.history.filter(history_user__isnull=False).exists()


@pytest.mark.django_db
def test_a_fresh_install_shows_the_closed_periods_reports(client, capsys):
    from django.urls import reverse
    from django.utils import timezone

    from reporting.models import Report, ReportingPeriod

    call_command("load_plan")
    call_command("seed_demo")
    past_deadline = ReportingPeriod.objects.filter(deadline__lt=timezone.localdate())
    assert past_deadline.count() >= 2
    reports = Report.objects.filter(kind=Report.Kind.PERIOD)
    assert set(reports.values_list("period__code", flat=True)) == set(past_deadline.values_list("code", flat=True))
    assert set(reports.values_list("state", flat=True)) == {Report.State.DONE}
    assert all(report.pdf for report in reports)
    call_command("seed_demo")  # a second run builds nothing new
    assert Report.objects.count() == past_deadline.count()
    client.login(username="fp-barcelona", password="metroplan-demo")
    page = client.get(reverse("report-list")).content.decode()
    assert "No reports yet" not in page
