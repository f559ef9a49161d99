"""Every route of the site and of the API, generated from the URL configuration,
for every caller and every method, against one table of expected answers
(tests/api/url_answers.py). A new route without an expected answer fails.

Callers: anonymous; focal points of member A and of member B (signed in); an
integrator's read token; focal point A's write token; staff (signed in). Writes
carry an empty JSON body; each request runs in a savepoint that is rolled back,
so all of them see the same data set, built once.

To print the answers as they are (to review them into the table):
METROPLAN_RECORD_URL_ANSWERS=1 pytest tests/api/test_every_url.py -s
"""

import os
import re
from datetime import date

import pytest
from django.core.files.base import ContentFile
from django.test import Client

from members.models import ApiToken, SignInDomain, SignInRequest
from reporting.models import Commentary, Evidence, PeriodReopening, Report
from reporting.report_services import report_build
from tests.access.walk import ACTORS, METHODS, answer, routes
from tests.api.url_answers import ADMIN, ADMIN_ROUTES, EXPECTED

PARAM = re.compile(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>")


def params(pattern: str) -> list[str]:
    return [a or b for a, b in PARAM.findall(pattern)]


def fill(pattern: str, values: dict) -> str:
    """The pattern's text with each parameter replaced by its value (regex
    routes of the router keep only their literal parts)."""
    path = PARAM.sub(lambda m: str(values[m.group(1) or m.group(2)]), pattern)
    path = re.sub(r"\(\[\^/\]\+\)", "1", path)  # unnamed groups (simple_history's admin routes): an id
    path = re.sub(r"\[[^\]]*\]\+\)|\[[^\]]*\]\+", "", path)  # leftovers of regex groups
    return "/" + path.replace("^", "").replace("$", "").replace("\\.", ".").replace("/?", "")


def key(route) -> str:
    """How the table names a route: its name, `.format` for the router's
    suffix variants, or its pattern when it has no name."""
    if not route.name:
        return route.pattern
    return route.name + (".format" if "format" in params(route.pattern) else "")


@pytest.fixture
def data(world, cast):
    evidence = Evidence.objects.create(update=world.draft_a, url="https://example.org/a")
    evidence_file = Evidence(update=world.draft_a, file_name="minutes.pdf")
    evidence_file.file.save("minutes.pdf", ContentFile(b"%PDF-1.4 minutes"), save=True)
    reopening = PeriodReopening.objects.create(
        period=world.closed_period, member=cast.member_a, reason="Late figures", requested_by=cast.focal_a
    )
    report = Report.objects.create(
        plan=world.plan, kind="on_demand", period=world.period, as_of=date(2022, 3, 31), state=Report.State.QUEUED
    )
    report_build(report_id=report.pk)  # built as the worker builds it: a snapshot and its renderings
    note = Commentary.objects.create(period=world.period, goal=world.goal1, text="The secretariat's note")
    token = ApiToken.objects.get(user=cast.focal_a, scope=ApiToken.Scope.WRITE)
    history_id = world.action1.history.first().history_id
    sign_in_domain = SignInDomain.objects.create(provider="workplace", domain="member-a.example",
                                                 member=cast.member_a)
    sign_in_request = SignInRequest.objects.create(
        provider="workplace", uid="someone", email="someone@member-a.example", kind="new_user", role="focal_point",
        member=cast.member_a,
    )
    return world, {
        # the site
        "goal-detail": {"code": world.goal1.code},
        "goal-commentary": {"code": world.goal1.code},
        "action-detail": {"code": world.action1.code},
        "action-commentary": {"code": world.action1.code},
        "plan-period-edit": {"code": world.period.code},
        "plan-period-toggle": {"code": world.period.code},
        "plan-goal-edit": {"code": world.goal1.code},
        "plan-goal-retire": {"code": world.goal1.code},
        "plan-goal-move": {"code": world.goal1.code},
        "plan-action-create": {"goal_code": world.goal1.code},
        **{name: {"code": world.action1.code} for name in (
            "plan-action", "plan-action-edit", "plan-action-retire", "plan-action-move", "plan-action-status",
            "plan-action-participant", "plan-action-history", "plan-indicator-create",
        )},
        "plan-action-restore": {"code": world.action1.code, "history_id": history_id},
        **{name: {"code": world.action1.code, "indicator_code": world.indicator1.code} for name in (
            "plan-indicator-edit", "plan-indicator-retire", "plan-indicator-move",
        )},
        "member-detail": {"slug": "member-a"},
        **{name: {"pk": world.draft_a.pk} for name in (
            "update-detail", "update-history", "update-approve", "update-return",
        )},
        "evidence-download": {"pk": evidence.pk},
        "evidence-remove": {"pk": evidence.pk},
        "reopening-request-any": {"member_slug": "member-a"},
        "reopening-request": {"member_slug": "member-a", "period_code": world.closed_period.code},
        "reopening-grant": {"pk": reopening.pk},
        "reopening-refuse": {"pk": reopening.pk},
        "update-edit": {"member_slug": "member-a", "period_code": world.period.code,
                        "action_code": world.action1.code},
        "report-detail": {"pk": report.pk},
        "report-correct": {"pk": report.pk},
        "report-download": {"pk": report.pk, "fmt": "csv"},
        "token-revoke": {"pk": token.pk},
        **{name: {"pk": cast.focal_a.focal_point.pk} for name in (
            "focal-point-edit", "focal-point-deactivate", "focal-point-reactivate", "focal-point-invite",
        )},
        "password_reset_confirm": {"uidb64": "MQ", "token": "set-password"},
        # single sign-on: a provider this site is not set up with (none is, here)
        **{name: {"provider_id": "workplace"} for name in ("openid_connect_login", "openid_connect_callback")},
        **{name: {"organization_slug": "workplace"} for name in (
            "saml_acs", "saml_finish_acs", "saml_sls", "saml_metadata", "saml_login",
        )},
        "sign-in-provider": {"provider": "workplace"},
        "sign-in-domain-remove": {"pk": sign_in_domain.pk},
        **{name: {"pk": sign_in_request.pk} for name in ("sign-in-request-approve", "sign-in-request-refuse")},
        "api-figure": {"name": "plan-progress"},
        # the API: A's draft, the plan's first goal, action and indicator
        "api:plan-detail": {"code": world.plan.code},
        "api:goal-detail": {"code": world.goal1.code},
        "api:action-detail": {"code": world.action1.code},
        "api:action-members": {"code": world.action1.code},
        "api:indicator-detail": {"pk": world.indicator1.pk},
        "api:member-detail": {"slug": "member-a"},
        "api:region-detail": {"slug": cast.member_a.region.slug},
        "api:period-detail": {"code": world.period.code},
        **{name: {"pk": world.draft_a.pk} for name in (
            "api:update-detail", "api:update-evidence", "api:update-approve", "api:update-return",
            "api:update-submit",
        )},
        "api:update-evidence-detail": {"pk": world.draft_a.pk, "evidence_id": evidence.pk},
        "api:report-detail": {"pk": report.pk},
        "api:commentary-detail": {"pk": note.pk},
        "api-evidence-file": {"pk": world.draft_a.pk, "evidence_id": evidence_file.pk},
        "api-report-file": {"pk": report.pk, "format": "csv"},
    }


def clients(cast) -> dict:
    made = {actor: Client() for actor in ACTORS}
    made["focal_a"].force_login(cast.focal_a)
    made["focal_b"].force_login(cast.focal_b)
    made["staff"].force_login(cast.staff)
    made["read_token"].defaults["HTTP_AUTHORIZATION"] = f"Token {cast.read_key}"
    made["write_token_a"].defaults["HTTP_AUTHORIZATION"] = f"Token {cast.write_key_a}"
    return made


def path_for(route, values: dict) -> str:
    if route.pattern == "api/^":
        return "/api/no-such-endpoint/"
    kwargs = dict(values.get(route.name, {}))
    if route.pattern.startswith("admin/"):
        kwargs = {"object_id": 1, "id": 1, "content_type_id": 1, "app_label": "actions", "url": "x"}
    kwargs.setdefault("format", "json")
    return fill(route.pattern, kwargs)


def test_every_url_answers_every_caller_as_the_table_says(data, cast):
    world, values = data
    made = clients(cast)
    seen, wrong, unknown = {}, [], []
    for route in routes():
        if route.pattern.startswith("admin/"):
            # Django's admin keeps its own door: the table says what it answers, by caller, for GET.
            path = path_for(route, values)
            for actor, expected in ADMIN_ROUTES.get(route.name, ADMIN).items():
                got = answer(made, actor, "get", path)
                if got not in expected:
                    wrong.append(f"GET {path} as {actor}: {got}, expected one of {sorted(expected)}")
            continue
        name = key(route)
        if name not in EXPECTED and not os.environ.get("METROPLAN_RECORD_URL_ANSWERS"):
            unknown.append(f"{name} ({route.pattern})")
            continue
        path = path_for(route, values)
        for method in METHODS:
            row = {actor: answer(made, actor, method, path) for actor in ACTORS}
            seen.setdefault(name, {})[method] = row
            expected = EXPECTED.get(name, {}).get(method)
            if expected != row:
                wrong.append(f"{method.upper()} {path} [{name}]: got {row}, expected {expected}")
    if os.environ.get("METROPLAN_RECORD_URL_ANSWERS"):
        for name, rows in seen.items():
            print(f"    {name!r}: {{")
            for method, row in rows.items():
                print(f"        {method!r}: {row!r},")
            print("    },")
    assert not unknown, "Routes without an expected answer in tests/api/url_answers.py:\n" + "\n".join(unknown)
    assert not wrong, f"{len(wrong)} answers differ from the table:\n" + "\n".join(wrong)
