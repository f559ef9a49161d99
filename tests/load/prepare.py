"""The load's people and what they work on, added to a database that has the plan,
the members and the demo (`load_plan`, `seed_demo`); written as JSON for the
locustfile and the fault tests.

- page readers: the secretariat and the demo focal points (password of the demo;
  the secretariat's second factor: fresh recovery codes, one per sign-in);
- integrators: the demo read token and a few more read tokens;
- writers: one focal point per member (`load-fp-<slug>`), with the member's slots
  that can still be saved and submitted in an open period (no update yet, or a
  draft, or a returned one) and, for each, a valid value per indicator.
"""

import json
import secrets
import sys

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction

from actions.models import Action, Goal, Indicator, Participation, Plan
from members.models import ApiToken, FocalPoint, Member
from metroplan.second_factor import second_factor_seed
from reporting.demo import DEMO_PASSWORD, DEMO_READ_TOKEN, DEMO_TOTP_SECRET, FOCAL_POINT_MEMBERS
from reporting.models import ProgressUpdate, ReportingPeriod

LOAD_PASSWORD = "metroplan-load-not-secret"
EXTRA_READ_TOKENS = 4
EDITABLE = {ProgressUpdate.State.DRAFT, ProgressUpdate.State.RETURNED}


def _value_range(indicator) -> list[int]:
    kinds = Indicator.Measure
    if indicator.measure == kinds.YES_NO:
        return [0, 1]
    if indicator.measure == kinds.QUALITATIVE:
        return [0, max(0, len(indicator.scale or []) - 1)]
    if indicator.measure == kinds.PERCENTAGE:
        return [0, 100]
    return [0, 900]


@transaction.atomic
def prepare() -> dict:
    plan = Plan.objects.current()
    User = get_user_model()
    password_hash = make_password(LOAD_PASSWORD)  # once: hashing 141 times would take a minute

    tokens = [DEMO_READ_TOKEN]
    for number in range(EXTRA_READ_TOKENS):
        integrator, _ = User.objects.get_or_create(username=f"load-integrator-{number}")
        key = f"load-read-token-{number}-not-secret"
        ApiToken.objects.get_or_create(
            key_hash=ApiToken.hash_key(key),
            defaults={"user": integrator, "name": "Load suite", "scope": ApiToken.Scope.READ,
                      "prefix": key[: ApiToken.PREFIX_LENGTH]},
        )
        tokens.append(key)

    open_periods = list(ReportingPeriod.objects.filter(plan=plan, is_open=True).order_by("start"))
    states = {
        (u.member_id, u.action_id, u.period_id): (u.state, u.version)
        for u in ProgressUpdate.objects.filter(period__in=open_periods)
    }
    participations = (
        Participation.objects.filter(action__goal__plan=plan)
        .exclude(member__slug__in=FOCAL_POINT_MEMBERS)  # the page readers' own members stay as the demo left them
        .select_related("member", "action")
        .order_by("member__slug", "action__goal__order", "action__order")
    )
    indicators = {
        action.pk: [(indicator.pk, indicator) for indicator in action.indicators.filter(retired=False)]
        for action in Action.objects.filter(goal__plan=plan).prefetch_related("indicators")
    }
    writers: dict[str, dict] = {}
    for participation in participations:
        member, action = participation.member, participation.action
        for period in open_periods:
            state, version = states.get((member.pk, action.pk, period.pk), (None, 0))
            if state is not None and state not in EDITABLE:
                continue
            writer = writers.setdefault(member.slug, {
                "username": f"load-fp-{member.slug}", "password": LOAD_PASSWORD, "member": member.slug, "slots": [],
            })
            writer["slots"].append({
                "url": f"/updates/{member.slug}/{period.code}/{action.code}/",
                "member": member.slug, "period": period.code, "action": action.code, "version": version,
                "indicators": [f"ind_{pk}_value" for pk, _ in sorted(indicators[action.pk])],
                # What each indicator's measure accepts (whole numbers in this range), and the ratios,
                # which the suite marks not available (they take a numerator and a denominator).
                "ranges": {f"ind_{pk}_value": _value_range(indicator) for pk, indicator in indicators[action.pk]},
                "not_available": [f"ind_{pk}_value" for pk, indicator in indicators[action.pk]
                                  if indicator.measure == Indicator.Measure.RATIO],
            })
    members = {m.slug: m for m in Member.objects.filter(slug__in=writers)}
    for slug in writers:
        user, _ = User.objects.get_or_create(username=f"load-fp-{slug}", defaults={"email": f"load@{slug}.example"})
        User.objects.filter(pk=user.pk).update(password=password_hash)
        FocalPoint.objects.update_or_create(user=user, defaults={"member": members[slug]})

    staff_codes = second_factor_seed(
        user=User.objects.get(username="secretariat"), totp_secret=DEMO_TOTP_SECRET, recovery_seed=secrets.token_hex(20)
    )
    return {
        "goals": list(Goal.objects.filter(plan=plan).order_by("order").values_list("code", flat=True)),
        "actions": list(Action.objects.filter(goal__plan=plan).order_by("goal__order", "order")
                        .values_list("code", flat=True)),
        "members": list(Member.objects.order_by("slug").values_list("slug", flat=True)),
        "page_readers": [{"username": "secretariat", "password": DEMO_PASSWORD, "recovery_codes": staff_codes}]
        + [{"username": f"fp-{slug}", "password": DEMO_PASSWORD} for slug in FOCAL_POINT_MEMBERS],
        "tokens": tokens,
        "writers": list(writers.values()),
    }


def main(out_path: str) -> None:
    data = prepare()
    with open(out_path, "w") as handle:
        json.dump(data, handle, indent=1)
    slots = sum(len(writer["slots"]) for writer in data["writers"])
    print(f"{len(data['writers'])} writers, {slots} open slots", file=sys.stderr)
