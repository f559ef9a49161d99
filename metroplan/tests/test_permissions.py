"""The permission predicates, as a table: role × object state → allowed?

Every rule is one predicate in metroplan/permissions.py; services, pages and the
API ask it. These rows are the rules, written out by hand."""

import pytest

from actions.models import Plan
from metroplan import permissions as p
from metroplan.testing import factories as f
from reporting.models import ProgressUpdate

ROLES = ["anonymous", "integrator", "focal_a", "focal_b", "staff", "superuser", "inactive_staff"]
STAFF = {"staff", "superuser"}


@pytest.fixture
def users(cast, django_user_model):
    from django.contrib.auth.models import AnonymousUser

    superuser = django_user_model.objects.create_superuser("root", "root@example.org", "pw")
    inactive = f.StaffFactory(username="gone", is_active=False)
    return {
        "anonymous": AnonymousUser(), "integrator": cast.integrator, "focal_a": cast.focal_a,
        "focal_b": cast.focal_b, "staff": cast.staff, "superuser": superuser, "inactive_staff": inactive,
    }


def only(*roles):
    return {role: role in roles for role in ROLES}


WRITERS_OF_A = only("focal_a", "staff", "superuser")

# (predicate, state of member A's update) → who may.
UPDATE_TABLE = [
    ("can_edit_update", "draft", WRITERS_OF_A),
    ("can_edit_update", "returned", WRITERS_OF_A),
    ("can_edit_update", "submitted", only("staff", "superuser")),  # waits for review
    ("can_edit_update", "approved", only()),  # closed to everyone
    ("can_submit_update", "draft", WRITERS_OF_A),
    ("can_submit_update", "returned", WRITERS_OF_A),
    ("can_submit_update", "submitted", only()),
    ("can_submit_update", "approved", only()),
    ("can_review_update", "draft", only()),
    ("can_review_update", "submitted", only("staff", "superuser")),
    ("can_review_update", "returned", only()),
    ("can_review_update", "approved", only()),
    ("can_read_update_history", "draft", WRITERS_OF_A),
    ("can_read_update_history", "approved", WRITERS_OF_A),
]


@pytest.mark.parametrize("predicate,state,expected", UPDATE_TABLE, ids=[f"{r[0]}-{r[1]}" for r in UPDATE_TABLE])
def test_update_predicates(predicate, state, expected, users, cast):
    update = f.ProgressUpdateFactory(member=cast.member_a, state=state)
    answers = {role: getattr(p, predicate)(users[role], update) for role in ROLES}
    assert answers == expected


MEMBER_TABLE = [
    ("can_write_update_for", WRITERS_OF_A),
    ("can_request_reopening", WRITERS_OF_A),
]


@pytest.mark.parametrize("predicate,expected", MEMBER_TABLE, ids=[r[0] for r in MEMBER_TABLE])
def test_member_predicates(predicate, expected, users, cast):
    assert {role: getattr(p, predicate)(users[role], cast.member_a) for role in ROLES} == expected


STAFF_ONLY = only(*STAFF)
USER_TABLE = [
    ("is_secretariat", STAFF_ONLY),
    ("can_edit_plan", STAFF_ONLY),
    ("can_review", STAFF_ONLY),
    ("can_decide_reopening", STAFF_ONLY),
    ("can_request_report", STAFF_ONLY),
    ("can_see_report_failure", STAFF_ONLY),
    ("can_manage_focal_points", STAFF_ONLY),
    ("can_edit_members", STAFF_ONLY),
    ("can_see_provenance", STAFF_ONLY),
    ("can_manage_tokens", STAFF_ONLY),
]


@pytest.mark.parametrize("predicate,expected", USER_TABLE, ids=[r[0] for r in USER_TABLE])
def test_user_predicates(predicate, expected, users):
    assert {role: getattr(p, predicate)(users[role]) for role in ROLES} == expected


@pytest.mark.parametrize(
    "status,expected",
    [
        (Plan.Status.DRAFT, only(*STAFF)),
        # An inactive user cannot sign in; as an object it counts as signed in, never as staff.
        (Plan.Status.ACTIVE, only("integrator", "focal_a", "focal_b", "inactive_staff", *STAFF)),
        (Plan.Status.CLOSED, only("integrator", "focal_a", "focal_b", "inactive_staff", *STAFF)),
    ],
)
def test_who_sees_a_plan(status, expected, users, settings):
    settings.PUBLIC_DASHBOARD = False
    plan = f.PlanFactory(code=f"p-{status}", status=status)
    assert {role: p.can_see_plan(users[role], plan) for role in ROLES} == expected
    # The queryset draws the same line.
    assert {role: Plan.objects.visible_to(users[role]).filter(pk=plan.pk).exists() for role in ROLES} == expected


def test_tokens_are_revoked_by_staff_or_their_owner(users, cast):
    from members.models import ApiToken

    token = ApiToken.objects.get(user=cast.focal_a)
    assert {role: p.can_revoke_token(users[role], token) for role in ROLES} == only("focal_a", *STAFF)


def test_the_secretariat_is_one_set_of_people(users):
    """The queryset of the secretariat (e-mails, leads) holds exactly whom is_secretariat says yes to."""
    named = {user.username for user in p.secretariat_users()}
    assert named == {users[role].username for role in ROLES if p.is_secretariat(users[role])} == {"staff", "root"}


@pytest.mark.parametrize(
    "state,role,code",
    [
        ("approved", "focal_a", "approved"),
        ("approved", "staff", "approved"),
        ("submitted", "focal_a", "submitted"),
        ("draft", "focal_b", p.DENIED),
    ],
)
def test_a_refused_edit_says_why(state, role, code, users, cast):
    update = f.ProgressUpdateFactory(member=cast.member_a, state=state)
    refusal = p.update_edit_refusal(users[role], update)
    assert refusal is not None and refusal.code == code and refusal.message


def test_a_focal_points_patch_of_a_submitted_update_gets_the_services_answer(cast, client):
    """The API refuses by the predicate the service applies, with the same status,
    code and message."""
    from rest_framework.test import APIClient

    from metroplan.api.errors import api_exception_for
    from metroplan.services import ServiceError
    from reporting import services

    action = f.ActionFactory(members=[cast.member_a])
    update = f.ProgressUpdateFactory(
        member=cast.member_a, action=action, period=f.ReportingPeriodFactory(plan=action.goal.plan),
        state=ProgressUpdate.State.SUBMITTED, narrative="Sent",
    )
    with pytest.raises(ServiceError) as refused:
        services.update_save(
            user=cast.focal_a, member=update.member, action=update.action, period=update.period,
            narrative="Changed", expected_version=update.version,
        )
    expected = api_exception_for(refused.value)

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {cast.write_key_a}")
    response = api.patch(f"/api/v1/updates/{update.pk}/", {"narrative": "Changed", "version": update.version},
                         format="json")
    assert response.status_code == expected.status_code == 409
    assert response.json()["code"] == refused.value.code == "submitted"
    assert response.json()["message"] == refused.value.message
    update.refresh_from_db()
    assert update.narrative == "Sent"
