"""The plan's write rules: validation with clear errors, conflict detection,
history and restore, carry-over."""

from datetime import date
from decimal import Decimal

import pytest

from actions import services
from actions.history import action_history, changes_since
from actions.models import Action, Goal, Indicator, Participation, Plan
from actions.tests.plan_helpers import small_plan
from metroplan.services import ConflictError, PermissionDenied, ValidationError
from metroplan.testing import factories as f

pytestmark = pytest.mark.django_db


def action_data(goal, **overrides):
    data = {"goal": goal, "code": "1.9", "title_en": "New action", "start_date": date(2021, 1, 1),
            "end_date": date(2023, 12, 31), "status": "not_started"}
    data.update(overrides)
    return data


def test_non_staff_cannot_write(cast):
    plan, goal, *_ = small_plan()
    with pytest.raises(PermissionDenied):
        services.goal_create(user=cast.focal_a, plan=plan, data={"code": "9", "title_en": "x"})
    assert not Goal.objects.filter(code="9").exists()


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        ({"code": "1.1"}, "code", "already exists"),
        ({"end_date": date(2020, 12, 31)}, "end_date", "before the start"),
        ({"title_en": ""}, "title_en", "English"),
        ({"weight": 0}, "weight", "greater than or equal to 1"),
        ({"weight": 101}, "weight", "less than or equal to 100"),
    ],
)
def test_action_create_refuses_bad_input_with_a_clear_message(cast, overrides, field, words):
    plan, goal, *_ = small_plan()
    before = Action.objects.count()
    with pytest.raises(ValidationError) as error:
        services.action_create(user=cast.staff, goal=goal, data=action_data(goal, **overrides))
    assert words in " ".join(error.value.message_dict[field])
    assert Action.objects.count() == before


def test_action_codes_are_unique_across_the_plan_not_only_the_goal(cast):
    plan, goal1, goal2, *_ = small_plan()
    with pytest.raises(ValidationError):
        services.action_create(user=cast.staff, goal=goal2, data=action_data(goal2, code="1.1"))


@pytest.mark.parametrize(
    ("data", "milestones", "field", "words"),
    [
        ({"baseline": Decimal("5"), "target": Decimal("5")}, None, "target", "equals the baseline"),
        ({"baseline": Decimal("5"), "target": Decimal("1")}, None, "target", "below the baseline"),
        ({"code": "1.1.a"}, None, "code", "already exists"),
        ({}, {2025: Decimal("3")}, "milestones", "outside the action's dates"),
    ],
)
def test_indicator_rules(cast, data, milestones, field, words):
    plan, goal, _, action, _ = small_plan()
    values = {"code": "1.1.z", "name_en": "Cities", "unit": "cities", "baseline": Decimal("0"),
              "target": Decimal("10"), "direction": "increase", **data}
    with pytest.raises(ValidationError) as error:
        services.indicator_create(user=cast.staff, action=action, data=values, milestones=milestones)
    assert words in " ".join(error.value.message_dict[field])
    assert not Indicator.objects.filter(code="1.1.z").exists()


def test_moving_action_dates_past_a_milestone_is_refused(cast):
    plan, goal, _, action, _ = small_plan()
    indicator = action.indicators.get(code="1.1.a")
    services.indicator_update(user=cast.staff, indicator=indicator, data={}, milestones={2023: Decimal("4")})
    with pytest.raises(ValidationError) as error:
        services.action_update(user=cast.staff, action=action, data={"end_date": date(2022, 12, 31)})
    assert "2023" in " ".join(error.value.message_dict["end_date"])
    action.refresh_from_db()
    assert action.end_date == date(2023, 12, 31)


def test_stale_version_is_refused_and_changes_nothing(cast):
    plan, goal, _, action, _ = small_plan()
    opened = action.version
    services.action_update(user=cast.staff, action=action, data={"title_en": "Colleague's title"},
                           expected_version=opened)
    with pytest.raises(ConflictError):
        services.action_update(user=cast.staff, action=action, data={"title_en": "Mine"}, expected_version=opened)
    action.refresh_from_db()
    assert action.title_en == "Colleague's title"
    assert action.version == opened + 1


def test_goal_and_indicator_versions_are_checked_too(cast):
    plan, goal, _, action, _ = small_plan()
    indicator = action.indicators.first()
    services.goal_update(user=cast.staff, goal=goal, data={"title_en": "A"}, expected_version=goal.version)
    with pytest.raises(ConflictError):
        services.goal_update(user=cast.staff, goal=goal, data={"title_en": "B"}, expected_version=1)
    services.indicator_update(user=cast.staff, indicator=indicator, data={"unit": "u"}, expected_version=1)
    with pytest.raises(ConflictError):
        services.indicator_update(user=cast.staff, indicator=indicator, data={"unit": "v"}, expected_version=1)


def test_changes_since_names_the_fields_a_colleague_changed(cast):
    plan, goal, _, action, _ = small_plan()
    services.action_update(user=cast.staff, action=action, data={"status": "at_risk"})
    opened = Action.objects.get(pk=action.pk).version
    colleague = f.StaffFactory(username="colleague")
    services.action_update(user=colleague, action=action, data={"title_en": "Renamed", "status": "off_track"},
                           sdgs=[11])
    summary = changes_since(Action.objects.get(pk=action.pk), opened)
    changed = {c.field: (c.old, c.new) for c in summary.changes}
    assert summary.who == colleague
    assert changed["title_en"] == ("Issue papers", "Renamed")
    assert changed["status"] == ("At risk", "Off track")
    assert changed["sdgs"] == ("—", "11")


def test_history_lists_who_when_which_fields_old_and_new(cast):
    plan, goal, _, action, _ = small_plan()
    member = f.MemberFactory(name="Barcelona")
    services.action_update(user=cast.staff, action=action, data={"status": "at_risk"})
    services.action_update(user=cast.staff, action=action, data={}, participants=[member.pk])
    rows = action_history(action)
    newest, status_change = rows[0], rows[1]
    assert newest.who == cast.staff
    assert [(c.field, c.old, c.new) for c in newest.changes] == [("participants", "—", "Barcelona")]
    assert [(c.field, c.old, c.new) for c in status_change.changes] == [("status", "On track", "At risk")]
    assert status_change.who == cast.staff
    assert rows[-1].kind == "created"


def test_restore_brings_back_fields_sdgs_and_participants_as_a_new_version(cast):
    plan, goal, _, action, _ = small_plan()
    barcelona, dakar = f.MemberFactory(name="Barcelona"), f.MemberFactory(name="Dakar")
    action = services.action_update(user=cast.staff, action=action, data={"title_en": "Before"}, sdgs=[11],
                                    participants=[barcelona.pk])
    good_version = action.version
    good_record = action.history.get(version=good_version)
    action = services.action_update(user=cast.staff, action=action, data={"title_en": "Broken", "status": "at_risk"},
                                    sdgs=[13], participants=[dakar.pk])
    restored = services.action_restore(user=cast.staff, action=action, history_id=good_record.history_id,
                                       expected_version=action.version)
    assert restored.version == action.version + 1
    assert restored.title_en == "Before"
    assert restored.status == "on_track"
    assert list(restored.sdgs.values_list("number", flat=True)) == [11]
    assert set(Participation.objects.filter(action=restored).values_list("member_id", flat=True)) == {barcelona.pk}
    assert action_history(restored)[0].who == cast.staff  # the restore is itself in the history


def test_restore_on_a_stale_page_is_refused(cast):
    plan, goal, _, action, _ = small_plan()
    first = action.history.earliest("history_date")
    services.action_update(user=cast.staff, action=action, data={"status": "at_risk"})
    with pytest.raises(ConflictError):
        services.action_restore(user=cast.staff, action=action, history_id=first.history_id, expected_version=1)


def test_carry_over_copies_chosen_goals_and_actions_with_links(cast):
    plan, goal1, goal2, action, other = small_plan()
    member = f.MemberFactory()
    services.action_update(user=cast.staff, action=action, data={}, sdgs=[11], participants=[member.pk])
    indicator = action.indicators.get(code="1.1.a")
    services.indicator_update(user=cast.staff, indicator=indicator, data={},
                              milestones={2022: Decimal("2"), 2023: Decimal("4")})
    new = services.plan_carry_over(
        user=cast.staff, source=plan, code="2024-2026", name="Plan 2024-2026", start_date=date(2024, 1, 1),
        end_date=date(2026, 12, 31), goal_ids=[], action_ids=[action.pk],
    )
    assert new.status == Plan.Status.DRAFT and new.carried_from == plan and not new.is_current
    assert list(new.goals.values_list("code", flat=True)) == ["1"]  # goal 1 came along with its action
    copy = Action.objects.get(goal__plan=new, code="1.1")
    assert copy.carried_from == action
    assert copy.goal.carried_from == goal1
    assert (copy.start_date, copy.end_date, copy.status) == (date(2024, 1, 1), date(2026, 12, 31), "not_started")
    assert list(copy.sdgs.values_list("number", flat=True)) == [11]
    assert list(copy.participants.all()) == [member]
    assert sorted(copy.indicators.values_list("code", flat=True)) == ["1.1.a", "1.1.b"]
    assert not copy.indicators.get(code="1.1.a").milestones.exists()  # 2022/2023 fall outside 2024-2026
    assert Action.objects.get(pk=action.pk).goal.plan == plan  # the source is untouched


def test_carry_over_refuses_an_existing_code(cast):
    plan, *_ = small_plan()
    with pytest.raises(ValidationError) as error:
        services.plan_carry_over(
            user=cast.staff, source=plan, code=plan.code, name="x", start_date=date(2024, 1, 1),
            end_date=date(2026, 12, 31), goal_ids=[Goal.objects.first().pk], action_ids=[],
        )
    assert "code" in error.value.message_dict


def test_move_swaps_neighbours(cast):
    plan, goal1, goal2, *_ = small_plan()
    services.goal_move(user=cast.staff, goal=goal2, direction="up")
    assert list(plan.goals.order_by("order").values_list("code", flat=True)) == ["2", "1"]


def test_creation_is_one_history_row_with_its_participants(cast):
    plan, goal, *_ = small_plan()
    members = [f.MemberFactory(name=f"City {n}") for n in range(3)]
    action = services.action_create(user=cast.staff, goal=goal, data=action_data(goal),
                                    participants=[m.pk for m in members])
    rows = action_history(action)
    assert len(rows) == 1 and rows[0].kind == "created" and rows[0].version == 1
    assert rows[0].changes[0].new == "City 0, City 1, City 2"
