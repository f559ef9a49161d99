"""Integrity lives in the database: these rows are refused whatever path writes them."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from actions.models import Action, Goal, Indicator
from metroplan.testing import factories as f
from reporting.models import IndicatorValue, ProgressUpdate


def refused(make):
    with pytest.raises(IntegrityError), transaction.atomic():
        make()


@pytest.mark.django_db
def test_one_update_per_member_action_and_period():
    update = f.ProgressUpdateFactory()
    refused(lambda: ProgressUpdate.objects.create(member=update.member, action=update.action, period=update.period))


@pytest.mark.django_db
def test_codes_and_slugs_are_unique_within_their_parent():
    goal = f.GoalFactory(code="1")
    refused(lambda: Goal.objects.create(plan=goal.plan, code="1", title="Again"))
    other_plan = f.PlanFactory(code="2024-2026", start_date=date(2024, 1, 1), end_date=date(2026, 12, 31),
                               is_current=False)
    Goal.objects.create(plan=other_plan, code="1", title="Same code, other plan")  # allowed

    action = f.ActionFactory(goal=goal, code="1.1")
    refused(lambda: f.ActionFactory(goal=goal, code="1.1"))
    indicator = f.IndicatorFactory(action=action, code="1.1.a")
    refused(lambda: f.IndicatorFactory(action=action, code=indicator.code))
    member = f.MemberFactory(slug="paris")
    refused(lambda: f.MemberFactory._meta.model.objects.create(
        slug="paris", name="Paris again", country="France", country_code="FR", region=member.region,
        latitude=0, longitude=0,
    ))


@pytest.mark.django_db
def test_an_action_code_is_unique_within_its_plan_not_only_its_goal():
    action = f.ActionFactory(code="1.1")
    plan = action.goal.plan
    other_goal = f.GoalFactory(plan=plan, code="2")
    refused(lambda: f.ActionFactory(goal=other_goal, code="1.1"))
    refused(lambda: Action.objects.filter(pk=f.ActionFactory(goal=other_goal, code="2.1").pk).update(code="1.1"))
    other_plan = f.PlanFactory(code="2024-2026", start_date=date(2024, 1, 1), end_date=date(2026, 12, 31),
                               is_current=False)
    f.ActionFactory(goal=f.GoalFactory(plan=other_plan, code="1"), code="1.1")  # allowed: another plan


@pytest.mark.django_db
@pytest.mark.parametrize("weight", [0, 101])
def test_an_action_weight_is_1_to_100(weight):
    action = f.ActionFactory(weight=50)
    refused(lambda: Action.objects.filter(pk=action.pk).update(weight=weight))


@pytest.mark.django_db
def test_indicator_target_must_differ_from_baseline_and_match_direction():
    action = f.ActionFactory()
    refused(lambda: Indicator.objects.create(action=action, code="x", name="n", unit="u",
                                             baseline=Decimal(5), target=Decimal(5)))
    refused(lambda: Indicator.objects.create(action=action, code="y", name="n", unit="u",
                                             baseline=Decimal(5), target=Decimal(1), direction="increase"))


@pytest.mark.django_db
def test_an_indicator_value_is_a_number_or_not_available_with_a_reason():
    value = f.IndicatorValueFactory()
    update, indicator = value.update, value.indicator
    value.delete()
    refused(lambda: IndicatorValue.objects.create(update=update, indicator=indicator))  # neither
    refused(lambda: IndicatorValue.objects.create(update=update, indicator=indicator, not_available=True))
    refused(lambda: IndicatorValue.objects.create(update=update, indicator=indicator, value=1, not_available=True,
                                                  not_available_reason="both"))
    IndicatorValue.objects.create(update=update, indicator=indicator, not_available=True,
                                  not_available_reason="survey delayed")


@pytest.mark.django_db
def test_a_returned_update_carries_a_comment_and_a_submitted_one_a_time():
    refused(lambda: f.ProgressUpdateFactory(state="returned", reviewer_comment=""))
    refused(lambda: f.ProgressUpdateFactory(state="submitted", first_submitted_at=None))


@pytest.mark.django_db
def test_dates_run_forwards():
    refused(lambda: f.ActionFactory(start_date=date(2023, 1, 1), end_date=date(2022, 1, 1)))
    refused(lambda: f.ReportingPeriodFactory(code="bad", start=date(2022, 1, 1), end=date(2022, 3, 31),
                                             deadline=date(2022, 3, 1)))
