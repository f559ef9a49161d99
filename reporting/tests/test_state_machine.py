"""Every transition of the update workflow, from every state, for every role.

The table is the specification: a new state or role without a row makes the
parametrisation miss it, so the test for the table's completeness fails."""

import itertools

import pytest

from metroplan.changes import queued_work
from metroplan.services import ConflictError, PermissionDenied, ServiceError, ValidationError
from reporting import services
from reporting.models import ProgressUpdate

from .conftest import make_update

STATES = ["missing", "draft", "submitted", "returned", "approved"]
TRANSITIONS = ["save", "submit", "approve", "return"]
ROLES = ["focal_own", "focal_other", "staff", "integrator"]

OK_REVIEW = {"staff"}

# (from state, transition) -> {role: resulting state or refusal}
# "denied": PermissionDenied (not your member / not staff); "refused": ServiceError
# (a transition the state does not allow); "n/a": nothing to act on.
EXPECTED = {
    ("missing", "save"): {"focal_own": "draft", "focal_other": "denied", "staff": "draft", "integrator": "denied"},
    ("missing", "submit"): dict.fromkeys(ROLES, "n/a"),
    ("missing", "approve"): dict.fromkeys(ROLES, "n/a"),
    ("missing", "return"): dict.fromkeys(ROLES, "n/a"),
    ("draft", "save"): {"focal_own": "draft", "focal_other": "denied", "staff": "draft", "integrator": "denied"},
    ("draft", "submit"): {"focal_own": "submitted", "focal_other": "denied", "staff": "submitted",
                          "integrator": "denied"},
    ("draft", "approve"): {"focal_own": "denied", "focal_other": "denied", "staff": "refused", "integrator": "denied"},
    ("draft", "return"): {"focal_own": "denied", "focal_other": "denied", "staff": "refused", "integrator": "denied"},
    ("submitted", "save"): {"focal_own": "refused", "focal_other": "denied", "staff": "submitted",
                            "integrator": "denied"},
    ("submitted", "submit"): {"focal_own": "refused", "focal_other": "denied", "staff": "refused",
                              "integrator": "denied"},
    ("submitted", "approve"): {"focal_own": "denied", "focal_other": "denied", "staff": "approved",
                               "integrator": "denied"},
    ("submitted", "return"): {"focal_own": "denied", "focal_other": "denied", "staff": "returned",
                              "integrator": "denied"},
    ("returned", "save"): {"focal_own": "returned", "focal_other": "denied", "staff": "returned",
                           "integrator": "denied"},
    ("returned", "submit"): {"focal_own": "submitted", "focal_other": "denied", "staff": "submitted",
                             "integrator": "denied"},
    ("returned", "approve"): {"focal_own": "denied", "focal_other": "denied", "staff": "refused",
                              "integrator": "denied"},
    ("returned", "return"): {"focal_own": "denied", "focal_other": "denied", "staff": "refused",
                             "integrator": "denied"},
    ("approved", "save"): {"focal_own": "refused", "focal_other": "denied", "staff": "refused", "integrator": "denied"},
    ("approved", "submit"): {"focal_own": "refused", "focal_other": "denied", "staff": "refused",
                             "integrator": "denied"},
    ("approved", "approve"): {"focal_own": "denied", "focal_other": "denied", "staff": "refused",
                              "integrator": "denied"},
    ("approved", "return"): {"focal_own": "denied", "focal_other": "denied", "staff": "refused",
                             "integrator": "denied"},
}


def test_the_table_covers_every_state_transition_and_role():
    assert set(STATES[1:]) == set(ProgressUpdate.State.values)
    assert set(EXPECTED) == set(itertools.product(STATES, TRANSITIONS))
    for row in EXPECTED.values():
        assert set(row) == set(ROLES)


CASES = [
    (state, transition, role, EXPECTED[(state, transition)][role])
    for state, transition in itertools.product(STATES, TRANSITIONS)
    for role in ROLES
    if EXPECTED[(state, transition)][role] != "n/a"
]


def _user(cast, role):
    return {"focal_own": cast.focal_a, "focal_other": cast.focal_b, "staff": cast.staff,
            "integrator": cast.integrator}[role]


def _act(transition, user, world, cast, update):
    if transition == "save":
        return services.update_save(
            user=user, member=cast.member_a, action=world.action, period=world.period,
            narrative="Changed narrative", status="at_risk", values=world.complete_values(),
            expected_version=update.version if update else None,
        )
    if transition == "submit":
        return services.update_submit(user=user, update=update, expected_version=update.version)
    if transition == "approve":
        return services.update_approve(user=user, update=update, expected_version=update.version)
    return services.update_return(user=user, update=update, comment="Add the budget figure.",
                                  expected_version=update.version)


@pytest.mark.django_db
@pytest.mark.parametrize("state,transition,role,expected", CASES, ids=["-".join(c) for c in CASES])
def test_transition(cast, world, state, transition, role, expected, django_capture_on_commit_callbacks):
    update = None if state == "missing" else make_update(world, cast.member_a, state=state)
    before = None if update is None else (update.state, update.version, update.narrative)
    user = _user(cast, role)
    with django_capture_on_commit_callbacks() as callbacks:
        if expected in ("denied", "refused"):
            error = PermissionDenied if expected == "denied" else ServiceError
            with pytest.raises(error):
                _act(transition, user, world, cast, update)
        else:
            result = _act(transition, user, world, cast, update)
    if expected in ("denied", "refused"):
        # Nothing written, nothing queued.
        assert callbacks == []
        if update is None:
            assert not ProgressUpdate.objects.filter(member=cast.member_a, period=world.period).exists()
        else:
            update.refresh_from_db()
            assert (update.state, update.version, update.narrative) == before
        return
    result.refresh_from_db()
    assert result.state == expected
    assert result.version == (1 if update is None else before[1] + 1)
    if transition in ("approve", "return"):
        assert result.reviewed_by == user and result.reviewed_at is not None
    if transition == "submit":
        assert result.submitted_by == user and result.submitted_at is not None
    # Each state change queues one notification; a plain save none.
    assert len(queued_work(callbacks)) == (0 if transition == "save" else 1)


@pytest.mark.django_db
def test_a_stale_version_is_refused_for_every_transition(cast, world):
    for transition, state, user in [
        ("save", "draft", cast.focal_a), ("submit", "draft", cast.focal_a),
        ("approve", "submitted", cast.staff), ("return", "submitted", cast.staff),
    ]:
        update = make_update(world, cast.member_a, state=state, period=world.period)
        stale = update.version - 1 if update.version > 1 else update.version + 5
        with pytest.raises(ConflictError):
            if transition == "save":
                services.update_save(user=user, member=cast.member_a, action=world.action, period=world.period,
                                     narrative="x", expected_version=stale)
            elif transition == "submit":
                services.update_submit(user=user, update=update, expected_version=stale)
            elif transition == "approve":
                services.update_approve(user=user, update=update, expected_version=stale)
            else:
                services.update_return(user=user, update=update, comment="c", expected_version=stale)
        update.delete()


@pytest.mark.django_db
def test_return_needs_a_comment(cast, world):
    update = make_update(world, cast.member_a, state="submitted")
    with pytest.raises(ValidationError) as exc:
        services.update_return(user=cast.staff, update=update, comment="   ")
    assert "comment" in exc.value.message_dict
    update.refresh_from_db()
    assert update.state == "submitted"


@pytest.mark.django_db
def test_first_submission_time_is_kept_on_resubmission(cast, world):
    update = make_update(world, cast.member_a, state="draft")
    first = services.update_submit(user=cast.focal_a, update=update).first_submitted_at
    services.update_return(user=cast.staff, update=update, comment="More detail, please.")
    again = services.update_submit(user=cast.focal_a, update=update)
    assert again.first_submitted_at == first
    assert again.submitted_at >= first
