"""One limit for a narrative, whichever way it comes in: the update form and
the API take the same length and refuse one more character, naming the field."""

import pytest
from django.urls import reverse

from metroplan.limits import NARRATIVE_MAX_LENGTH
from reporting.models import ProgressUpdate


def form_post(client, world, narrative):
    update = world.draft_a
    url = reverse("update-edit", args=[update.member.slug, update.period.code, update.action.code])
    return client.post(url, {"version": update.version, "intent": "save", "narrative": narrative, "status": ""})


def api_patch(api, keys, world, narrative):
    return api(keys["focal_a"]).patch(
        f"/api/v1/updates/{world.draft_a.pk}/", {"version": world.draft_a.version, "narrative": narrative},
        format="json",
    )


@pytest.mark.parametrize("route", ["form", "api"])
def test_a_narrative_one_character_over_the_limit_is_refused_by_every_route(client, api, keys, cast, world, route):
    too_long = "x" * (NARRATIVE_MAX_LENGTH + 1)
    if route == "form":
        client.force_login(cast.focal_a)
        response = form_post(client, world, too_long)
        assert response.status_code == 400
        assert "narrative" in response.context["form"].errors
    else:
        response = api_patch(api, keys, world, too_long)
        assert response.status_code == 400
        assert "narrative" in response.json()["field_errors"]
    assert ProgressUpdate.objects.get(pk=world.draft_a.pk).narrative == "Draft narrative of A"


@pytest.mark.parametrize("route", ["form", "api"])
def test_a_narrative_at_the_limit_is_taken_by_every_route(client, api, keys, cast, world, route):
    longest = "x" * NARRATIVE_MAX_LENGTH
    if route == "form":
        client.force_login(cast.focal_a)
        assert form_post(client, world, longest).status_code == 302
    else:
        assert api_patch(api, keys, world, longest).status_code == 200
    assert ProgressUpdate.objects.get(pk=world.draft_a.pk).narrative == longest
