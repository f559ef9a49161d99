"""Lists in the change feed and webhooks (metroplan.changes, `lists=`): an
action's members and SDGs, a goal's SDGs. Each change of one is an update of
the owning object with the list among its changed fields and the new list in
its state, in the change's own transaction, whichever path made it."""

import contextlib
import json
import time

import pytest
from django.db import transaction
from django.urls import reverse

from actions import services
from actions.models import Participation
from metroplan.models import Change, WebhookDelivery
from metroplan.testing import factories as f
from metroplan.webhooks import webhook_deliver
from tests.api.test_change_feed import everything, feed
from tests.api.test_webhooks import SECRET, Receiver, independent_verify, make_hook


def new_entries(client, cursor):
    page = feed(client, cursor, page_size=1000)
    assert page["has_more"] is False
    return page["results"]


@pytest.fixture
def member_c(world):
    return f.MemberFactory(slug="member-c", name="Member C")


def test_adding_and_removing_a_member_through_the_api_is_one_update_with_the_new_list(world, staff_api, member_c):
    _, cursor = everything(staff_api)
    action = staff_api.get("/api/v1/actions/1.1/")
    assert action.json()["members"] == ["member-a", "member-b"]
    response = staff_api.patch("/api/v1/actions/1.1/", {"members": ["member-a", "member-b", "member-c"]},
                               format="json", HTTP_IF_MATCH=action["ETag"])
    assert response.status_code == 200, response.content
    [entry] = new_entries(staff_api, cursor)
    assert (entry["type"], entry["key"], entry["kind"]) == ("action", "1.1", "updated")
    assert "members" in entry["changed_fields"] and "sdgs" not in entry["changed_fields"]
    assert entry["state"]["members"] == ["member-a", "member-b", "member-c"]
    assert entry["state"]["members"] == staff_api.get("/api/v1/actions/1.1/").json()["members"]

    action = staff_api.get("/api/v1/actions/1.1/")
    staff_api.patch("/api/v1/actions/1.1/", {"members": ["member-c"]}, format="json", HTTP_IF_MATCH=action["ETag"])
    [entry] = new_entries(staff_api, entry["cursor"])
    assert "members" in entry["changed_fields"] and entry["state"]["members"] == ["member-c"]


def test_sdgs_of_an_action_and_of_a_goal_are_lists_too(world, staff_api):
    from actions.models import SustainableDevelopmentGoal

    for number in (5, 13):
        SustainableDevelopmentGoal.objects.get_or_create(number=number, defaults={"name": f"SDG {number}"})
    _, cursor = everything(staff_api)
    action = staff_api.get("/api/v1/actions/1.1/")
    staff_api.patch("/api/v1/actions/1.1/", {"sdgs": [13, 5]}, format="json", HTTP_IF_MATCH=action["ETag"])
    goal = staff_api.get("/api/v1/goals/1/")
    staff_api.patch("/api/v1/goals/1/", {"sdgs": [13]}, format="json", HTTP_IF_MATCH=goal["ETag"])
    entries = new_entries(staff_api, cursor)
    assert [(e["type"], e["key"], e["state"]["sdgs"]) for e in entries] == [("action", "1.1", [5, 13]),
                                                                             ("goal", "1", [13])]
    assert all("sdgs" in e["changed_fields"] for e in entries)
    assert entries[0]["state"]["sdgs"] == staff_api.get("/api/v1/actions/1.1/").json()["sdgs"]
    assert entries[1]["state"]["sdgs"] == staff_api.get("/api/v1/goals/1/").json()["sdgs"]


def test_adding_and_removing_a_member_in_the_plan_editor_is_one_update(world, client, cast, staff_api, member_c):
    world.plan.is_current = True
    world.plan.save()
    _, cursor = everything(staff_api)
    client.force_login(cast.staff)
    url = reverse("plan-action-participant", args=["1.1"])
    response = client.post(url, {"member": member_c.pk, "taking_part": "1"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    [added] = new_entries(staff_api, cursor)
    assert (added["type"], added["key"], added["kind"]) == ("action", "1.1", "updated")
    assert "members" in added["changed_fields"]
    assert added["state"]["members"] == ["member-a", "member-b", "member-c"]
    client.post(url, {"member": cast.member_a.pk, "taking_part": "0"}, HTTP_HX_REQUEST="true")
    [removed] = new_entries(staff_api, added["cursor"])
    assert removed["state"]["members"] == ["member-b", "member-c"]


def test_the_admin_inline_and_the_relations_other_side_are_recorded(world, staff_api, member_c):
    _, cursor = everything(staff_api)
    # the rows themselves, as the admin's inline saves them
    Participation.objects.create(action=world.action2, member=member_c)
    # the relation's manager, from the member's side
    member_c.actions.remove(world.action2)
    member_c.actions.add(world.action1, world.action2)
    entries = new_entries(staff_api, cursor)
    assert [(e["key"], e["state"]["members"]) for e in entries] == [
        ("2.1", ["member-a", "member-b", "member-c"]),
        ("2.1", ["member-a", "member-b"]),
        ("1.1", ["member-a", "member-b", "member-c"]),
        ("2.1", ["member-a", "member-b", "member-c"]),
    ]
    # a member deleted leaves each of its actions with a shorter list, and its own tombstone
    _, cursor = everything(staff_api)
    member_c.delete()
    entries = new_entries(staff_api, cursor)
    assert sorted((e["type"], e["key"], e["kind"]) for e in entries) == [
        ("action", "1.1", "updated"), ("action", "2.1", "updated"), ("member", "member-c", "deleted"),
    ]
    assert all(e["state"]["members"] == ["member-a", "member-b"] for e in entries if e["type"] == "action")


def test_an_action_deleted_leaves_only_its_tombstone(world, staff_api, cast):
    action = f.ActionFactory(goal=world.goal1, code="1.9", members=[cast.member_a])
    _, cursor = everything(staff_api)
    action.delete()
    assert [(e["key"], e["kind"]) for e in new_entries(staff_api, cursor)] == [("1.9", "deleted")]


def test_a_list_change_that_rolls_back_never_appears(world, staff_api, member_c):
    _, cursor = everything(staff_api)
    before = Change.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        services.action_participant_set(user=world_staff(), action=world.action1, member_id=member_c.pk,
                                        taking_part=True)
        assert Change.objects.count() == before + 1
        raise RuntimeError("rolled back")
    assert new_entries(staff_api, cursor) == []
    assert not [e for e in everything(staff_api)[0] if e["type"] == "action" and "member-c" in e["state"]["members"]]
    # and the next change in a new transaction is an entry of its own, with the list as it is
    services.action_participant_set(user=world_staff(), action=world.action1, member_id=member_c.pk,
                                    taking_part=False)
    assert new_entries(staff_api, cursor) == []  # nothing changed: member-c never took part


def test_changes_in_separate_transactions_stay_separate_entries(world, staff_api, member_c):
    _, cursor = everything(staff_api)
    services.action_participant_set(user=world_staff(), action=world.action1, member_id=member_c.pk,
                                    taking_part=True)
    services.action_participant_set(user=world_staff(), action=world.action1, member_id=member_c.pk,
                                    taking_part=False)
    entries = new_entries(staff_api, cursor)
    assert [e["state"]["members"] for e in entries] == [["member-a", "member-b", "member-c"],
                                                       ["member-a", "member-b"]]
    assert [e["state"]["version"] for e in entries] == [world.action1.version + 1, world.action1.version + 2]


def test_another_members_eyes_follow_the_owners_visibility(world, api, keys, member_c):
    reader = api(keys["read"])
    _, cursor = everything(reader)
    services.action_participant_set(user=world_staff(), action=world.action1, member_id=member_c.pk,
                                    taking_part=True)
    [entry] = new_entries(reader, cursor)
    assert entry["state"]["members"] == ["member-a", "member-b", "member-c"]


def test_a_webhook_subscriber_receives_the_list_change(world, staff_api, member_c):
    receiver = Receiver(failures=0)
    try:
        make_hook(receiver.url, event_types=["action.updated"])
        action = staff_api.get("/api/v1/actions/1.1/")
        staff_api.patch("/api/v1/actions/1.1/", {"members": ["member-c"]}, format="json",
                        HTTP_IF_MATCH=action["ETag"])
        delivery = WebhookDelivery.objects.get()
        assert webhook_deliver(delivery_id=delivery.pk) == "delivered"
        [request] = receiver.requests
        assert independent_verify(SECRET, request["headers"]["X-Metroplan-Signature"], request["body"],
                                  now=time.time())
        body = json.loads(request["body"])
        assert body["event"] == "action.updated"
        assert "members" in body["change"]["changed_fields"]
        assert body["change"]["state"]["members"] == ["member-c"]
        assert body["change"] == staff_api.get("/api/v1/changes/", {"page_size": 1000}).json()["results"][-1]
    finally:
        receiver.close()


def world_staff():
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username="staff")


def _admin_post_data(response) -> dict:
    """The admin change form as it stands (main form and inlines), ready to post back."""
    from datetime import date

    from django.db.models import Model

    def shown(value):
        if isinstance(value, Model):
            return value.pk
        if isinstance(value, list | tuple | set) or hasattr(value, "all"):
            items = value.all() if hasattr(value, "all") else value
            return [item.pk if isinstance(item, Model) else item for item in items]
        if isinstance(value, date):
            return value.isoformat()
        return "" if value is None else value

    data = {}
    form = response.context["adminform"].form
    for name, field in form.fields.items():
        value = shown(form.initial.get(name, field.initial))
        if value is False:
            continue
        data[name] = value
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        for name, value in formset.management_form.initial.items():
            data[f"{formset.prefix}-{name}"] = value
        for each in formset.forms:
            for name, field in each.fields.items():
                value = shown(each.initial.get(name, field.initial))
                if value is not False:
                    data[each.add_prefix(name)] = value
    return data


def test_the_admin_saving_an_actions_sdgs_and_a_new_participant_row_is_one_update(world, client, staff_api,
                                                                                 member_c):
    from actions.models import SustainableDevelopmentGoal

    SustainableDevelopmentGoal.objects.get_or_create(number=13, defaults={"name": "Climate action"})
    client.force_login(f.StaffFactory(is_superuser=True, username="admin-user"))
    url = f"/admin/actions/action/{world.action1.pk}/change/"
    data = _admin_post_data(client.get(url))
    prefix = "participations"
    total = int(data[f"{prefix}-TOTAL_FORMS"])
    data.update({f"{prefix}-TOTAL_FORMS": total + 1, f"{prefix}-{total}-member": member_c.pk,
                 f"{prefix}-{total}-action": world.action1.pk, "sdgs": [11, 13]})
    _, cursor = everything(staff_api)
    response = client.post(url, data)
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    [entry] = new_entries(staff_api, cursor)
    assert (entry["type"], entry["key"], entry["kind"]) == ("action", "1.1", "updated")
    assert {"members", "sdgs"} <= set(entry["changed_fields"])
    assert entry["state"]["members"] == ["member-a", "member-b", "member-c"] and entry["state"]["sdgs"] == [11, 13]


def test_a_plain_save_shows_the_lists_as_they_stand_when_it_saves(world, staff_api, member_c):
    """A save reads the lists with the row as it was (it cannot change them):
    a list changed earlier, in its transaction or before it, is in its state."""
    from actions.models import Action, SustainableDevelopmentGoal

    sdg = SustainableDevelopmentGoal.objects.get_or_create(number=13, defaults={"name": "Climate action"})[0]
    _, cursor = everything(staff_api)
    action = Action.objects.get(pk=world.action1.pk)
    action.participants.add(member_c)
    action.title_en = "Issue papers, revised"
    action.save()
    with transaction.atomic():
        action.sdgs.add(sdg)
        action.participants.remove(world.action1.participants.get(slug="member-a"))
        action.title_en = "Issue papers, final"
        action.save()
    first, second, third = new_entries(staff_api, cursor)
    assert first["changed_fields"] == ["members"] and second["changed_fields"] == ["title_en"]
    assert second["state"]["members"] == ["member-a", "member-b", "member-c"] and second["state"]["sdgs"] == [11]
    assert set(third["changed_fields"]) == {"sdgs", "members", "title_en"}
    assert (third["state"]["members"], third["state"]["sdgs"]) == (["member-b", "member-c"], [11, 13])
    assert third["state"]["title_en"] == "Issue papers, final"


def test_a_save_after_a_list_change_reads_the_row_again_when_something_was_recorded_between(world, staff_api,
                                                                                             member_c):
    """A save that follows a list's change takes the row as it was from the
    list's change's read only while nothing else was recorded: here a service
    changed the row with a queryset update (and recorded it) in between."""
    from actions.models import Action
    from metroplan import changes

    _, cursor = everything(staff_api)
    action = Action.objects.get(pk=world.action1.pk)
    title = action.title_en
    with transaction.atomic():
        action.participants.add(member_c)
        Action.objects.filter(pk=action.pk).update(title_en="Changed elsewhere")
        changes.record_saved(Action.objects.get(pk=action.pk), changed_fields=["title_en"])
        action.save()  # writes its own title back: a change from "Changed elsewhere"
    [entry] = new_entries(staff_api, cursor)
    assert set(entry["changed_fields"]) == {"members", "title_en"}
    assert entry["state"]["title_en"] == title == Action.objects.get(pk=action.pk).title_en
    assert entry["state"]["members"] == ["member-a", "member-b", "member-c"]


def test_a_save_after_a_list_change_rolled_back_reads_the_row_again(world, staff_api, member_c):
    from actions.models import Action

    _, cursor = everything(staff_api)
    action = Action.objects.get(pk=world.action1.pk)
    with transaction.atomic():
        with contextlib.suppress(RuntimeError), transaction.atomic():
            action.participants.add(member_c)
            raise RuntimeError("rolled back")
        action.title_en = "Issue papers, revised"
        action.save()
    [entry] = new_entries(staff_api, cursor)
    assert entry["changed_fields"] == ["title_en"]
    assert entry["state"]["members"] == ["member-a", "member-b"]


def test_an_entry_held_back_in_one_write_is_written_at_its_end_or_before_the_next_entry(world, staff_api, member_c):
    """changes.one_write: the entries and their order are those recorded
    without it; only the time of the INSERT moves."""
    from actions.models import Action, Goal
    from metroplan import changes

    _, cursor = everything(staff_api)
    action = Action.objects.get(pk=world.action1.pk)
    goal = Goal.objects.get(pk=world.goal1.pk)
    before = Change.objects.count()
    with transaction.atomic():
        with changes.one_write():
            action.participants.add(member_c)
            assert Change.objects.count() == before  # held
        assert Change.objects.count() == before + 1  # written at the block's end
    with transaction.atomic(), changes.one_write():
        action.participants.remove(member_c)
        goal.title_en = "Renamed"
        goal.save()  # another entry: the held one is written first
        action.title_en = "Issue papers, revised"
        action.save()
    first, second, third, fourth = new_entries(staff_api, cursor)
    assert (first["type"], first["changed_fields"]) == ("action", ["members"])
    assert first["state"]["members"] == ["member-a", "member-b", "member-c"]
    assert (second["type"], second["changed_fields"]) == ("action", ["members"])
    assert second["state"]["members"] == ["member-a", "member-b"]
    assert (third["type"], third["changed_fields"]) == ("goal", ["title_en"])
    assert (fourth["type"], fourth["changed_fields"]) == ("action", ["title_en"])


def test_an_entry_held_back_by_a_savepoint_rolled_back_is_not_written(world, staff_api, member_c):
    from actions.models import Action
    from metroplan import changes

    _, cursor = everything(staff_api)
    action = Action.objects.get(pk=world.action1.pk)
    with transaction.atomic(), changes.one_write():
        with contextlib.suppress(RuntimeError), transaction.atomic():
            action.participants.add(member_c)
            raise RuntimeError("rolled back")
    assert new_entries(staff_api, cursor) == []
