"""What recording a change (metroplan.changes) costs a write, in queries: the
row as it was with each list of the object (one statement), and one INSERT
that also takes the feed's lock (once a transaction) and reads the webhooks to
notify. A recorder that grew a query per write would fail here."""

import contextlib

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from actions.models import Action, Goal, Participation
from metroplan.changes import FEED_LOCK_KEY
from metroplan.models import Change, Webhook, WebhookDelivery
from metroplan.testing import factories as f
from metroplan.testing.recorder import RecorderOff


def statements(write, *models, recording: bool = True) -> list[str]:
    with (contextlib.nullcontext() if recording else RecorderOff(*models)), \
            CaptureQueriesContext(connection) as seen:
        write()
    return [query["sql"] for query in seen.captured_queries]


def goal_saves(goal, times: int = 1):
    titles = iter(range(1_000))

    def write():
        with transaction.atomic():
            for _ in range(times):
                goal.title_en = f"Title {next(titles)}"
                goal.save()
    return write


def test_a_goal_saved_in_its_transaction_costs_two_queries_more(world):
    write = goal_saves(world.goal1)
    before = Change.objects.count()
    on, off = statements(write), statements(write, Goal, recording=False)
    assert Change.objects.count() == before + 1
    # the row as it was with its SDGs (a list, which a plain save leaves as it
    # was), the INSERT (with the lock and the webhooks)
    assert len(on) - len(off) == 2
    assert sum("metroplan_webhook" in sql for sql in on) == 1


def test_each_webhook_that_wants_it_adds_its_delivery_and_its_message_only(world):
    Webhook.objects.create(url="https://hooks.example.org/a", secret="s", event_types=["goal.*"])
    Webhook.objects.create(url="https://hooks.example.org/b", secret="s", event_types=["member.*"])
    write = goal_saves(world.goal1)
    on, off = statements(write), statements(write, Goal, recording=False)
    assert len(on) - len(off) == 2 + 2  # one delivery row and its outbox message
    assert WebhookDelivery.objects.filter(event="goal.updated").count() == 1


def test_the_same_object_saved_again_in_its_transaction_is_merged_for_the_same_cost(world):
    write = goal_saves(world.goal1, times=2)
    before = Change.objects.count()
    on, off = statements(write), statements(write, Goal, recording=False)
    assert Change.objects.count() == before + 1
    assert len(on) - len(off) == 2 + 2  # the second: the row as it was with its SDGs, the entry's UPDATE


def other_connection_can_take_the_feeds_lock() -> bool:
    other = connection.get_new_connection(connection.get_connection_params())
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [FEED_LOCK_KEY])
            return cursor.fetchone()[0]
    finally:
        other.close()


@pytest.mark.django_db(transaction=True)
def test_a_transaction_takes_the_feeds_lock_once_before_its_first_number_and_holds_it_to_commit():
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's advisory lock (SQLite has one writer at a time)")
    member = f.MemberFactory(slug="first")
    with CaptureQueriesContext(connection) as seen, transaction.atomic():
        member.name = "Renamed"
        member.save()
        f.MemberFactory(slug="second")
        assert not other_connection_can_take_the_feeds_lock()
    assert other_connection_can_take_the_feeds_lock()
    sqls = [query["sql"] for query in seen.captured_queries]
    locks = [index for index, sql in enumerate(sqls) if "pg_advisory_xact_lock" in sql]
    inserts = [index for index, sql in enumerate(sqls) if sql.lstrip().startswith(("INSERT INTO \"metroplan_change\"",
                                                                                   "WITH feed_lock"))]
    assert len(locks) == 1 and len(inserts) == 2
    assert locks[0] <= inserts[0]


def test_a_goal_read_afresh_and_saved_reads_its_plan_once(world):
    """Who could see the goal before and after the save (its plan's status)
    is read from one plan: the related object loaded for the row as it was
    serves the row as it is when its key is the same."""
    def write():
        with transaction.atomic():
            goal = Goal.objects.get(pk=world.goal1.pk)
            goal.title_en = f"Title {Change.objects.count()}"
            goal.save()
    on, off = statements(write), statements(write, Goal, recording=False)
    assert sum('FROM "actions_plan"' in sql for sql in on) == 1
    assert len(on) - len(off) == 2 + 1  # the row as it was with its SDGs, the plan, the INSERT


def member_toggles(action, member_id):
    """A write that takes `member_id` out of `action` through the service,
    then (called again) back in: the bench's second write."""
    from actions import services
    from tests.api.test_change_feed import world_staff

    staff = world_staff()

    def write():
        taking = not Participation.objects.filter(action=action, member_id=member_id).exists()
        services.action_participant_set(user=staff, action=action, member_id=member_id, taking_part=taking)
    return write


@pytest.mark.parametrize("change", ["removed", "added"])
def test_an_actions_member_changed_through_the_service_costs_two_queries_more(world, change):
    """The list's change: the row with its lists as they now are; the
    action's save, merged into the same entry: nothing (the row as it was is
    the one the list's change read); then the entry's INSERT, once. The
    action, its plan and its goal are the service's, read with the locked
    row: the recorder reads none of them again."""
    member_id = world.action1.participants.order_by("pk").values_list("pk", flat=True)[0]
    write = member_toggles(world.action1, member_id)
    write(), write()  # what a first write reads once (the user's group)
    if change == "added":
        write()
    counted = {}
    for recording in (True, False):
        before = Change.objects.count()
        counted[recording] = statements(write, Action, recording=recording)
        assert Change.objects.count() - before == (1 if recording else 0)  # one entry
        write()  # back as it was, for the same change again
    on, off = counted[True], counted[False]
    assert len(on) - len(off) == 2
    # rows read through the ORM: the same with the recorder as without it
    loads = ('SELECT "actions_action"."id"', 'SELECT "actions_plan"."id"', 'SELECT "actions_goal"."id"')
    assert [sum(sql.startswith(load) for sql in on) for load in loads] == \
        [sum(sql.startswith(load) for sql in off) for load in loads]
