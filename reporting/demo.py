"""Demo accounts and demo progress, so that every page has something to show.

Everything made here is reproducible (a fixed random seed) and labelled: demo
participations and updates carry `is_demo`, which pages and exports show.
Running it twice leaves the same rows.
"""

import random
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from actions.models import Action, Participation, Plan
from members.models import ApiToken, FocalPoint, Member
from metroplan.permissions import SECRETARIAT_GROUP
from metroplan.second_factor import second_factor_seed
from reporting import report_services
from reporting.figures import approved as approved_values
from reporting.figures import cache as figures_cache
from reporting.models import IndicatorValue, ProgressUpdate, Report, ReportingPeriod

# what demo updates draw from: recent periods' states, older periods' unapproved
# states, self-assessed statuses (the repeats make a value likelier)
RECENT_STATES = [
    ProgressUpdate.State.SUBMITTED, ProgressUpdate.State.SUBMITTED, ProgressUpdate.State.DRAFT,
    ProgressUpdate.State.RETURNED, ProgressUpdate.State.APPROVED,
]
UNFINISHED_STATES = [ProgressUpdate.State.SUBMITTED, ProgressUpdate.State.RETURNED, ProgressUpdate.State.DRAFT]
DEMO_STATUSES = [
    Action.Status.ON_TRACK, Action.Status.ON_TRACK, Action.Status.AT_RISK, Action.Status.OFF_TRACK,
    Action.Status.NOT_STARTED,
]

DEMO_PASSWORD = "metroplan-demo"
# The secretariat account's second factor (staff need one): an authenticator
# app set up with this secret shows its codes; the recovery codes each work
# once (seed_demo makes them new again). Demo values, printed and documented:
# never use them for a real account.
DEMO_TOTP_SECRET = "METROPLANDEMOTOTPNOTSECRET234567"
DEMO_RECOVERY_SEED = "metroplan-demo-recovery-codes-not-secret"
DEMO_READ_TOKEN = "demo-integrator-read-token-not-secret"
DEMO_WRITE_TOKEN = "demo-integrator-write-token-not-secret"
FOCAL_POINT_MEMBERS = ["barcelona", "bogota", "seoul", "dakar", "montreal", "mexico-city"]
SEED = 2021
DEMO_NARRATIVE = "[Demo data] {member} on {action} in {period}: {sentence}"
SENTENCES = [
    "activities went ahead as planned with partner departments.",
    "work slowed while budgets were renegotiated.",
    "a workshop brought together practitioners from three departments.",
    "data collection finished and results were shared with the network.",
    "the team is waiting for political approval before the next step.",
]


@dataclass
class DemoLogin:
    username: str
    role: str
    detail: str = ""


def _user(username: str, *, email: str, staff: bool = False):
    User = get_user_model()
    user, _ = User.objects.get_or_create(username=username, defaults={"email": email})
    user.email = email
    user.is_staff = staff
    user.set_password(DEMO_PASSWORD)
    user.save()
    return user


def _token(user, *, key: str, name: str, scope: str) -> None:
    ApiToken.objects.get_or_create(
        key_hash=ApiToken.hash_key(key),
        defaults={"user": user, "name": name, "scope": scope, "prefix": key[: ApiToken.PREFIX_LENGTH]},
    )


@transaction.atomic
def demo_seed(*, plan: Plan | None = None) -> list[DemoLogin]:
    plan = plan or Plan.objects.current()
    if plan is None:
        raise ValueError("No plan: run load_plan first.")
    logins: list[DemoLogin] = []

    staff = _user("secretariat", email="secretariat@metroplan.example", staff=True)
    staff.groups.add(Group.objects.get_or_create(name=SECRETARIAT_GROUP)[0])
    recovery_codes = second_factor_seed(user=staff, totp_secret=DEMO_TOTP_SECRET, recovery_seed=DEMO_RECOVERY_SEED)
    logins.append(DemoLogin(
        "secretariat", "secretariat staff",
        f"second factor: authenticator app secret {DEMO_TOTP_SECRET}, or a recovery code: "
        + " ".join(recovery_codes[:3]),
    ))

    members = {m.slug: m for m in Member.objects.filter(slug__in=FOCAL_POINT_MEMBERS)}
    for slug in FOCAL_POINT_MEMBERS:
        if slug not in members:
            continue
        user = _user(f"fp-{slug}", email=f"focal-point@{slug}.example")
        FocalPoint.objects.update_or_create(user=user, defaults={"member": members[slug]})
        logins.append(DemoLogin(f"fp-{slug}", "focal point", members[slug].name))

    integrator = _user("integrator", email="integrator@metroplan.example")
    _token(integrator, key=DEMO_READ_TOKEN, name="Demo read token", scope=ApiToken.Scope.READ)
    _token(staff, key=DEMO_WRITE_TOKEN, name="Demo write token (secretariat)", scope=ApiToken.Scope.WRITE)
    logins.append(DemoLogin("integrator", "integrator", f"API token: {DEMO_READ_TOKEN}"))

    _seed_participations(plan)
    _seed_updates(plan)
    _seed_action_statuses(plan)
    _seed_action_leads(plan, staff)
    figures_cache.bump()  # bulk writes send no signals
    return logins


def demo_reports_build() -> list[Report]:
    """The period-close report of every period whose deadline has passed, built
    now through the report service, so that a fresh install shows them (beat's
    catch-up would only ask for them at its next run). Asks only for missing
    ones and builds only those still queued: running it twice builds nothing."""
    report_services.period_close_reports_request()
    built = []
    queued = Report.objects.filter(kind=Report.Kind.PERIOD, state=Report.State.QUEUED).order_by("period__start")
    for report_id in queued.values_list("pk", flat=True):
        report = report_services.report_build(report_id=report_id)
        if report is not None:
            built.append(report)
    return built


def _seed_action_statuses(plan: Plan) -> None:
    """Give actions the secretariat has never touched (version 1, not started)
    a status, so that the status mix has something to show."""
    for action in Action.objects.filter(goal__plan=plan, version=1, status=Action.Status.NOT_STARTED):
        status = _rng("status", action.code).choice(
            [Action.Status.ON_TRACK] * 4
            + [Action.Status.AT_RISK] * 2
            + [Action.Status.OFF_TRACK, Action.Status.COMPLETED]
        )
        Action.objects.filter(pk=action.pk).update(status=status)


def _seed_action_leads(plan: Plan, lead) -> None:
    """Give actions without a lead the secretariat demo user as their lead, so
    that pages show who leads an action; a lead the secretariat chose stays."""
    Action.objects.filter(goal__plan=plan, lead__isnull=True).update(lead=lead)


def _rng(*parts) -> random.Random:
    """A generator seeded by the item it decides about, so that a second run
    makes the same decisions whatever already exists."""
    return random.Random("-".join(str(part) for part in (SEED, *parts)))


def _seed_participations(plan: Plan) -> None:
    """Give each action without known participants a demo set of members,
    including some of the demo focal points' members."""
    all_members = list(Member.objects.order_by("slug"))
    fp_members = [m for m in all_members if m.slug in FOCAL_POINT_MEMBERS]
    existing = set(Participation.objects.filter(action__goal__plan=plan).values_list("action_id", "member_id"))
    with_real_participants = set(
        Participation.objects.filter(action__goal__plan=plan, is_demo=False).values_list("action_id", flat=True)
    )
    new = []
    for action in Action.objects.filter(goal__plan=plan).order_by("goal__order", "order"):
        if action.pk in with_real_participants:
            continue  # real participants known: leave the action as the secretariat set it
        rng = _rng("participants", action.code)
        chosen = rng.sample(all_members, rng.randint(8, 18)) + rng.sample(fp_members, 3)
        for member in {m.pk: m for m in chosen}.values():
            if (action.pk, member.pk) not in existing:
                new.append(Participation(action=action, member=member, is_demo=True))
                existing.add((action.pk, member.pk))
    Participation.objects.bulk_create(new)


def _at(day, hour=10) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


def _demo_parts(value: IndicatorValue, rng: random.Random) -> None:
    """Made-up parts for an indicator asked by sex or age group: whole numbers
    that never add up to more than the value; now and then a part is left
    out, so that the split and the quality flag "parts short of the total"
    show in the demo."""
    total = int(value.value)
    if value.indicator.by_sex:
        women = round(total * rng.uniform(0.38, 0.62))
        other = min(total - women, rng.choice([0, 0, 1, 2]))
        value.women, value.men = Decimal(women), Decimal(total - women - other)
        value.sex_other = Decimal(other) if rng.random() > 0.1 else None
    if value.indicator.by_age:
        youth = round(total * rng.uniform(0.45, 0.8))
        value.youth, value.age_other = Decimal(youth), Decimal(total - youth)


def demo_value(indicator, fraction: Decimal, rng: random.Random, *, periods: int, members: int,
               pace: float) -> dict:
    """A member's demo value for `indicator` as its measure and rule want it
    (IndicatorValue fields): `fraction` of the way from baseline to target
    by now; for a running total, its share of the span in one period (of
    `periods`, with `members` adding up, at the action's `pace`); for a sum,
    its share of the network's value. Counts are whole numbers, yes/no 0 or
    1, a scale's step, a ratio's parts."""
    span = indicator.target - indicator.baseline
    measure, kinds = indicator.measure, type(indicator).Measure
    cents = Decimal("0.01")
    if measure == kinds.RATIO:
        denominator = Decimal(rng.randint(200, 400) * 1000)
        numerator = (denominator * (indicator.baseline + span * fraction) / indicator.ratio_scale).quantize(cents)
        value, numerator, denominator = indicator.clean_value(None, numerator=numerator, denominator=denominator,
                                                              language=None)
        return {"value": value, "numerator": numerator, "denominator": denominator}
    if measure == kinds.YES_NO:
        return {"value": Decimal(1 if rng.random() < float(fraction) else 0)}
    if measure == kinds.QUALITATIVE:
        steps = max(1, len(indicator.scale or []) - 1)
        return {"value": Decimal(min(steps, int(fraction * steps + Decimal("0.5"))))}
    if indicator.over_time == type(indicator).OverTime.CUMULATIVE:
        amount = span / (periods * members) * Decimal(str(round(pace * rng.uniform(0.5, 1.5), 3)))
    elif indicator.across == type(indicator).Across.SUM:
        amount = (indicator.baseline + span * fraction) / members
    else:
        amount = indicator.baseline + span * fraction
    if measure == kinds.COUNT:
        whole = int(amount)
        return {"value": Decimal(whole + (1 if rng.random() < float(amount - whole) else 0))}
    return {"value": amount.quantize(cents)}


def _seed_updates(plan: Plan) -> None:
    periods = list(ReportingPeriod.objects.filter(plan=plan).order_by("start"))
    if not periods:
        return
    # Older periods are closed, the last two stay open so focal points have work due.
    for period in periods[:-2]:
        if period.is_open:
            period.is_open = False
            period.save(update_fields=["is_open"])
    existing = set(ProgressUpdate.objects.filter(period__plan=plan).values_list("member_id", "action_id", "period_id"))
    participations = list(
        Participation.objects.filter(action__goal__plan=plan)
        .select_related("member", "action")
        .order_by("action__goal__order", "action__order", "member__slug")
    )
    indicators_by_action: dict[int, list] = {}
    for participation in participations:
        if participation.action_id not in indicators_by_action:
            indicators_by_action[participation.action_id] = list(participation.action.indicators.all())
    taking_part = Counter(participation.action_id for participation in participations)
    # Each action moves at its own pace, so that some fall behind (early warning).
    pace = {action_id: _rng("pace", action_id).choice([0.4, 0.7, 1.3, 1.5, 1.6]) for action_id in indicators_by_action}

    updates, values = [], []
    for participation in participations:
        for index, period in enumerate(periods):
            key = (participation.member_id, participation.action_id, period.pk)
            if key in existing:
                continue
            rng = _rng("update", participation.member.slug, participation.action.code, period.code)
            roll = rng.random()
            is_recent = index >= len(periods) - 2
            if roll < 0.15:
                continue  # missing
            if is_recent:
                state = rng.choice(RECENT_STATES)
            else:
                state = ProgressUpdate.State.APPROVED if roll < 0.9 else rng.choice(UNFINISHED_STATES)
            late = rng.random() < 0.2
            submitted_on = (
                period.deadline + timedelta(days=rng.randint(1, 40))
                if late
                else (period.end + timedelta(days=rng.randint(1, 29)))
            )
            update = ProgressUpdate(
                member=participation.member,
                action=participation.action,
                period=period,
                state=state,
                status=rng.choice(DEMO_STATUSES),
                narrative=DEMO_NARRATIVE.format(
                    member=participation.member.name,
                    action=participation.action.code,
                    period=period.code,
                    sentence=rng.choice(SENTENCES),
                ),
                is_demo=True,
            )
            if state != ProgressUpdate.State.DRAFT:
                update.first_submitted_at = update.submitted_at = _at(submitted_on)
            # No reviewer: the secretariat did not review demo data (the page shows no name).
            if state in (ProgressUpdate.State.APPROVED, ProgressUpdate.State.RETURNED):
                update.reviewed_at = _at(submitted_on + timedelta(days=rng.randint(1, 20)), 15)
            if state == ProgressUpdate.State.RETURNED:
                update.reviewer_comment = "[Demo data] Please add the figure for the last quarter."
            updates.append(update)
            elapsed = (index + 1) / len(periods)
            for indicator in indicators_by_action[participation.action_id]:
                if rng.random() < 0.07:
                    values.append(
                        (
                            update,
                            IndicatorValue(
                                indicator=indicator,
                                not_available=True,
                                not_available_reason="[Demo data] figures not yet consolidated",
                            ),
                        )
                    )
                    continue
                fraction = Decimal(
                    str(round(min(1.0, elapsed * pace[participation.action_id] * rng.uniform(0.8, 1.15)), 3))
                )
                value = IndicatorValue(indicator=indicator, **demo_value(
                    indicator, fraction, rng, periods=len(periods), members=taking_part[participation.action_id],
                    pace=pace[participation.action_id],
                ))
                if value.value is not None:
                    _demo_parts(value, _rng("parts", participation.member.slug, indicator.code, period.code))
                values.append((update, value))
    ProgressUpdate.objects.bulk_create(updates, batch_size=500)
    for update, value in values:
        value.update = update
    IndicatorValue.objects.bulk_create([value for _, value in values], batch_size=1000)
    approved_values.refresh(update.pk for update in updates)  # bulk writes send no signals
