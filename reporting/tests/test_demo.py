import pytest
from django.core.management import call_command

from actions.models import Participation
from members.models import ApiToken, FocalPoint
from reporting.models import IndicatorValue, ProgressUpdate


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
def test_seed_demo_is_reproducible_idempotent_and_labelled(capsys):
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


@pytest.mark.django_db
def test_seed_demo_gives_actions_a_lead_that_the_action_page_shows(client):
    from actions.models import Action

    call_command("load_plan")
    call_command("seed_demo")
    assert not Action.objects.filter(lead__isnull=True).exists()
    assert set(Action.objects.values_list("lead__username", flat=True)) == {"secretariat"}
    client.login(username="fp-barcelona", password="metroplan-demo")
    action = Action.objects.order_by("goal__order", "order").first()
    body = client.get(f"/actions/{action.code}/").content.decode()
    assert "<dt>Lead</dt><dd>secretariat</dd>" in body
