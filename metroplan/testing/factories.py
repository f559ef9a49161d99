"""factory_boy factories for every model, shared by all apps' tests."""

from datetime import date, timedelta
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from actions.models import Action, Goal, Indicator, Milestone, Participation, Plan
from members.models import ApiToken, FocalPoint, Member, Membership, Region
from metroplan.permissions import SECRETARIAT_GROUP
from reporting.models import IndicatorValue, ProgressUpdate, ReportingPeriod

PASSWORD = "correct horse battery staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.django.Password(PASSWORD)


class StaffFactory(UserFactory):
    is_staff = True

    @factory.post_generation
    def secretariat(self, create, extracted, **kwargs):
        if create:
            self.groups.add(Group.objects.get_or_create(name=SECRETARIAT_GROUP)[0])


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Region {n}")
    slug = factory.Sequence(lambda n: f"region-{n}")


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Member
        skip_postgeneration_save = True
        django_get_or_create = ["slug"]

    slug = factory.Sequence(lambda n: f"member-{n}")
    name = factory.Sequence(lambda n: f"Member City {n}")
    country = "Spain"
    country_code = "ES"
    region = factory.SubFactory(RegionFactory)
    latitude = Decimal("41.390")
    longitude = Decimal("2.170")
    confidence = Member.Confidence.SOURCED
    source = "test"

    @factory.post_generation
    def membership(self, create, extracted, **kwargs):
        """An active span from 2020-01-01 unless `membership=False`."""
        if create and extracted is not False:
            Membership.objects.create(member=self, standing=Membership.Standing.ACTIVE, start=date(2020, 1, 1))


class FocalPointFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FocalPoint

    user = factory.SubFactory(UserFactory)
    member = factory.SubFactory(MemberFactory)


class PlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Plan
        django_get_or_create = ["code"]

    code = "2021-2023"
    name = "Strategic Action Plan 2021-2023"
    start_date = date(2021, 1, 1)
    end_date = date(2023, 12, 31)
    status = Plan.Status.ACTIVE
    is_current = True


class GoalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Goal

    plan = factory.SubFactory(PlanFactory)
    code = factory.Sequence(lambda n: str(n + 1))
    title = factory.Sequence(lambda n: f"Goal {n + 1}")
    order = factory.Sequence(lambda n: n)


class ActionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Action
        skip_postgeneration_save = True

    goal = factory.SubFactory(GoalFactory)
    code = factory.LazyAttributeSequence(lambda a, n: f"{a.goal.code}.{n + 1}")
    title = factory.Sequence(lambda n: f"Action {n + 1}")
    start_date = date(2021, 1, 1)
    end_date = date(2023, 12, 31)
    status = Action.Status.ON_TRACK

    @factory.post_generation
    def members(self, create, extracted, **kwargs):
        for member in extracted or []:
            Participation.objects.create(action=self, member=member)


class IndicatorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Indicator

    action = factory.SubFactory(ActionFactory)
    code = factory.LazyAttributeSequence(lambda i, n: f"{i.action.code}.{n}")
    name = factory.Sequence(lambda n: f"Indicator {n}")
    unit = "members"
    baseline = Decimal("0")
    target = Decimal("100")
    direction = Indicator.Direction.INCREASE


class MilestoneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Milestone

    indicator = factory.SubFactory(IndicatorFactory)
    year = 2022
    value = Decimal("50")


class ReportingPeriodFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReportingPeriod
        django_get_or_create = ["plan", "code"]

    plan = factory.SubFactory(PlanFactory)
    code = "2022-Q1"
    start = date(2022, 1, 1)
    end = date(2022, 3, 31)
    deadline = factory.LazyAttribute(lambda p: p.end + timedelta(days=30))
    is_open = True


class ProgressUpdateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProgressUpdate

    member = factory.SubFactory(MemberFactory)
    action = factory.SubFactory(ActionFactory)
    period = factory.SubFactory(ReportingPeriodFactory, plan=factory.SelfAttribute("..action.goal.plan"))
    state = ProgressUpdate.State.DRAFT
    status = Action.Status.ON_TRACK
    narrative = "Work is going well."

    @factory.lazy_attribute
    def first_submitted_at(self):
        if self.state == ProgressUpdate.State.DRAFT:
            return None
        return timezone.make_aware(timezone.datetime.combine(self.period.end, timezone.datetime.min.time()))

    submitted_at = factory.SelfAttribute("first_submitted_at")

    @factory.lazy_attribute
    def reviewer_comment(self):
        return "Please add figures." if self.state == ProgressUpdate.State.RETURNED else ""


class IndicatorValueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IndicatorValue

    update = factory.SubFactory(ProgressUpdateFactory)
    indicator = factory.SubFactory(IndicatorFactory, action=factory.SelfAttribute("..update.action"))
    value = Decimal("10")


def make_token(user, *, scope: str = ApiToken.Scope.READ, name: str = "test", expires_at=None) -> tuple[ApiToken, str]:
    """An API token and its key (the key is not stored)."""
    key = ApiToken.generate_key()
    token = ApiToken.objects.create(
        user=user, name=name, scope=scope, key_hash=ApiToken.hash_key(key),
        prefix=key[: ApiToken.PREFIX_LENGTH], expires_at=expires_at,
    )
    return token, key
