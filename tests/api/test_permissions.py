"""The permission matrix, generated from one table of expected answers, for
every endpoint and method and every kind of caller:

- anonymous: 401 everywhere;
- a read token: reads, never writes (403);
- focal point A (write token): reads approved updates and A's own; writes only
  A's updates that are not approved; acting on member B's drafts gets 404 and
  on B's approved updates 403; an approved update refuses everyone with 409
  (`approved`), the service's own answer (metroplan.permissions.update_edit_refusal);
- staff (write token): writes everything the API writes: the plan's goals,
  actions and indicators, members and periods (create, PUT, PATCH; DELETE
  where a service refuses unsafe deletes), reviews and reports.
A resource or method the API does not write answers 405 to staff (and 401/403
first to the others).
"""

import pytest

from metroplan.testing import factories as f
from reporting.models import Evidence

ACTORS = ["anonymous", "read", "focal_a", "focal_a_read", "focal_b", "staff"]

READ_ALL = dict.fromkeys(ACTORS, 200) | {"anonymous": 401}
READ_ONLY_WRITE = {
    "anonymous": 401, "read": 403, "focal_a": 403, "focal_a_read": 403, "focal_b": 403, "staff": 405,
}


STAFF_WRITE = {"anonymous": 401, "read": 403, "focal_a": 403, "focal_a_read": 403, "focal_b": 403}
STAFF_CREATES = STAFF_WRITE | {"staff": 201}
STAFF_CHANGES = STAFF_WRITE | {"staff": 200}
STAFF_DELETES = STAFF_WRITE | {"staff": 204}


def _read_rows():
    rows = []
    for name, detail in [
        ("plans", lambda w: w.plan.code),
        ("goals", lambda w: w.goal1.code),
        ("actions", lambda w: w.action1.code),
        ("indicators", lambda w: w.indicator1.pk),
        ("members", lambda w: "member-a"),
        ("regions", lambda w: w.draft_a.member.region.slug),
        ("periods", lambda w: w.period.code),
        ("updates", lambda w: w.approved_b.pk),
        ("reports", None),
    ]:
        rows.append((f"list {name}", "get", lambda w, n=name: f"/api/v1/{n}/", None, READ_ALL))
        if detail is not None:
            rows.append((f"detail {name}", "get", lambda w, n=name, d=detail: f"/api/v1/{n}/{d(w)}/", None, READ_ALL))
        if name in ("plans", "regions"):
            rows.append((f"create {name}", "post", lambda w, n=name: f"/api/v1/{n}/", {}, READ_ONLY_WRITE))
            for method in ("put", "patch", "delete"):
                url = lambda w, n=name, d=detail: f"/api/v1/{n}/{d(w)}/"  # noqa: E731
                rows.append((f"{method} {name}", method, url, {}, READ_ONLY_WRITE))
    return rows


# Staff writes of the plan, members and periods: a body that succeeds for
# staff, so that every other answer is the permission's.
TITLES = {"title_fr": "", "title_es": "", "description_en": "", "description_fr": "", "description_es": ""}
NAMES = {"name_fr": "", "name_es": "", "description_en": "", "description_fr": "", "description_es": ""}
MEMBER = {
    "name": "Member A", "country": "Spain", "country_code": "ES", "region": None, "membership_type": "full",
    "latitude": "41.390", "longitude": "2.170", "confidence": "sourced", "source": "Census 2021",
}


def _member_body(w, **extra):
    return {**MEMBER, "region": w.draft_a.member.region.slug, **extra}


STAFF_WRITE_ROWS = [
    ("create goal", "post", lambda w: "/api/v1/goals/", lambda w: {"code": "9", "title_en": "New goal"},
     STAFF_CREATES),
    ("put goal", "put", lambda w: f"/api/v1/goals/{w.goal2.code}/",
     lambda w: {"code": "2", "title_en": "Climate and heat", **TITLES, "order": 2, "sdgs": [13], "retired": False,
                "version": w.goal2.version}, STAFF_CHANGES),
    ("patch goal", "patch", lambda w: f"/api/v1/goals/{w.goal1.code}/",
     lambda w: {"title_en": "Good governance", "version": w.goal1.version}, STAFF_CHANGES),
    ("delete empty goal", "delete", lambda w: f"/api/v1/goals/{w.empty_goal.code}/",
     lambda w: {"version": w.empty_goal.version}, STAFF_DELETES),
    ("create action", "post", lambda w: "/api/v1/actions/",
     lambda w: {"goal": "1", "code": "1.9", "title_en": "New action", "start_date": "2021-01-01",
                "end_date": "2023-12-31", "members": ["member-a"], "sdgs": [11]}, STAFF_CREATES),
    ("put action", "put", lambda w: f"/api/v1/actions/{w.action2.code}/",
     lambda w: {"goal": "2", "code": "2.1", "title_en": "Heat plans", **TITLES, "lead": "staff",
                "start_date": "2021-01-01", "end_date": "2023-12-31", "status": "on_track", "weight": 2,
                "order": 1, "sdgs": [13], "members": ["member-a"], "retired": False,
                "version": w.action2.version}, STAFF_CHANGES),
    ("patch action", "patch", lambda w: f"/api/v1/actions/{w.action1.code}/",
     lambda w: {"status": "completed", "version": w.action1.version}, STAFF_CHANGES),
    ("delete action without updates", "delete", lambda w: f"/api/v1/actions/{w.quiet_action.code}/",
     lambda w: {"version": w.quiet_action.version}, STAFF_DELETES),
    ("create indicator", "post", lambda w: "/api/v1/indicators/",
     lambda w: {"action": "1.1", "code": "1.1.z", "name_en": "Papers", "unit": "papers", "baseline": "0",
                "target": "5"}, STAFF_CREATES),
    ("put indicator", "put", lambda w: f"/api/v1/indicators/{w.indicator2.pk}/",
     lambda w: {"code": "2.1.a", "name_en": "Plans", **NAMES, "unit": "plans", "baseline": "0", "target": "50",
                "direction": "increase", "order": 1, "milestones": [{"year": 2022, "value": "20"}],
                "retired": False, "version": w.indicator2.version}, STAFF_CHANGES),
    ("patch indicator", "patch", lambda w: f"/api/v1/indicators/{w.indicator1.pk}/",
     lambda w: {"target": "20", "version": w.indicator1.version}, STAFF_CHANGES),
    ("delete indicator without values", "delete", lambda w: f"/api/v1/indicators/{w.indicator2.pk}/",
     lambda w: {"version": w.indicator2.version}, STAFF_DELETES),
    ("create member", "post", lambda w: "/api/v1/members/", lambda w: _member_body(w, slug="valencia"),
     STAFF_CREATES),
    ("put member", "put", lambda w: "/api/v1/members/member-a/", lambda w: _member_body(w, version=1),
     STAFF_CHANGES),
    ("patch member provenance", "patch", lambda w: "/api/v1/members/member-a/",
     lambda w: {"confidence": "unverified", "source": "Old list", "version": 1}, STAFF_CHANGES),
    ("delete member", "delete", lambda w: "/api/v1/members/member-a/", None, READ_ONLY_WRITE),
    ("create period", "post", lambda w: "/api/v1/periods/",
     lambda w: {"code": "2022-Q2", "start": "2022-04-01", "end": "2022-06-30"}, STAFF_CREATES),
    ("put period", "put", lambda w: f"/api/v1/periods/{w.period.code}/",
     lambda w: {"code": "2022-Q1", "start": "2022-01-01", "end": "2022-03-31", "deadline": "2022-05-15",
                "is_open": True, "version": w.period.version}, STAFF_CHANGES),
    ("patch period: close it", "patch", lambda w: f"/api/v1/periods/{w.period.code}/",
     lambda w: {"is_open": False, "version": w.period.version}, STAFF_CHANGES),
    ("delete period", "delete", lambda w: f"/api/v1/periods/{w.period.code}/", None, READ_ONLY_WRITE),
]


def _update_body(w):
    return {"member": "member-a", "action": w.action2.code, "period": w.period.code, "narrative": "New"}


UPDATE_ROWS = [
    # Own draft: visible to A and staff only.
    ("detail own draft", "get", lambda w: f"/api/v1/updates/{w.draft_a.pk}/", None,
     {"anonymous": 401, "read": 404, "focal_a": 200, "focal_a_read": 200, "focal_b": 404, "staff": 200}),
    ("create update for A", "post", lambda w: "/api/v1/updates/", _update_body,
     {"anonymous": 401, "read": 403, "focal_a": 201, "focal_a_read": 403, "focal_b": 403, "staff": 201}),
    ("patch A's draft", "patch", lambda w: f"/api/v1/updates/{w.draft_a.pk}/",
     lambda w: {"narrative": "Changed", "version": w.draft_a.version},
     {"anonymous": 401, "read": 403, "focal_a": 200, "focal_a_read": 403, "focal_b": 404, "staff": 200}),
    ("put A's draft", "put", lambda w: f"/api/v1/updates/{w.draft_a.pk}/",
     lambda w: {"narrative": "All new", "status": "on_track", "no_change": False, "values": [],
                "version": w.draft_a.version},
     {"anonymous": 401, "read": 403, "focal_a": 200, "focal_a_read": 403, "focal_b": 404, "staff": 200}),
    ("patch B's draft", "patch", lambda w: f"/api/v1/updates/{w.draft_b.pk}/",
     lambda w: {"narrative": "Changed", "version": w.draft_b.version},
     {"anonymous": 401, "read": 403, "focal_a": 404, "focal_a_read": 403, "focal_b": 200, "staff": 200}),
    ("patch B's approved update", "patch", lambda w: f"/api/v1/updates/{w.approved_b.pk}/",
     lambda w: {"narrative": "Changed", "version": w.approved_b.version},
     {"anonymous": 401, "read": 403, "focal_a": 403, "focal_a_read": 403, "focal_b": 409, "staff": 409}),
    ("delete an update", "delete", lambda w: f"/api/v1/updates/{w.draft_a.pk}/", None,
     {"anonymous": 401, "read": 403, "focal_a": 405, "focal_a_read": 403, "focal_b": 405, "staff": 405}),
    ("submit A's draft", "post", lambda w: f"/api/v1/updates/{w.draft_a.pk}/submit/",
     lambda w: {"version": w.draft_a.version},
     {"anonymous": 401, "read": 403, "focal_a": 200, "focal_a_read": 403, "focal_b": 404, "staff": 200}),
    ("submit B's draft", "post", lambda w: f"/api/v1/updates/{w.draft_b.pk}/submit/",
     lambda w: {"version": w.draft_b.version},
     {"anonymous": 401, "read": 403, "focal_a": 404, "focal_a_read": 403, "focal_b": 200, "staff": 200}),
    ("approve B's submitted update", "post", lambda w: f"/api/v1/updates/{w.submitted_b.pk}/approve/",
     lambda w: {"version": w.submitted_b.version},
     {"anonymous": 401, "read": 403, "focal_a": 403, "focal_a_read": 403, "focal_b": 403, "staff": 200}),
    ("return B's submitted update", "post", lambda w: f"/api/v1/updates/{w.submitted_b.pk}/return/",
     lambda w: {"version": w.submitted_b.version, "comment": "Add figures"},
     {"anonymous": 401, "read": 403, "focal_a": 403, "focal_a_read": 403, "focal_b": 403, "staff": 200}),
    ("add evidence to A's draft", "post", lambda w: f"/api/v1/updates/{w.draft_a.pk}/evidence/",
     lambda w: {"url": "https://example.org/minutes", "title": "Minutes"},
     {"anonymous": 401, "read": 403, "focal_a": 201, "focal_a_read": 403, "focal_b": 404, "staff": 201}),
    ("add evidence to B's approved update", "post", lambda w: f"/api/v1/updates/{w.approved_b.pk}/evidence/",
     lambda w: {"url": "https://example.org/minutes"},
     {"anonymous": 401, "read": 403, "focal_a": 403, "focal_a_read": 403, "focal_b": 409, "staff": 409}),
    ("remove evidence from A's draft", "delete",
     lambda w: f"/api/v1/updates/{w.draft_a.pk}/evidence/{w.evidence_a.pk}/", None,
     {"anonymous": 401, "read": 403, "focal_a": 204, "focal_a_read": 403, "focal_b": 404, "staff": 204}),
    ("ask for a report", "post", lambda w: "/api/v1/reports/",
     lambda w: {"kind": "on_demand", "period": w.period.code},
     {"anonymous": 401, "read": 403, "focal_a": 403, "focal_a_read": 403, "focal_b": 403, "staff": 201}),
]

ROWS = _read_rows() + STAFF_WRITE_ROWS + UPDATE_ROWS


@pytest.fixture
def complete_drafts(world):
    """Drafts that can be submitted: every indicator has a value. Plus a goal
    without actions and an action without updates, which may be deleted."""
    f.IndicatorValueFactory(update=world.draft_a, indicator=world.indicator1)
    f.IndicatorValueFactory(update=world.draft_b, indicator=world.indicator1)
    world.empty_goal = f.GoalFactory(plan=world.plan, code="3", order=3)
    world.quiet_action = f.ActionFactory(goal=world.goal2, code="2.2")
    world.evidence_a = Evidence.objects.create(update=world.draft_a, url="https://example.org/a")
    return world


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize(
    "label,method,url,body,expected", ROWS, ids=[row[0] for row in ROWS]
)
def test_permission_matrix(actor, label, method, url, body, expected, complete_drafts, api, keys, fake_reports):
    world = complete_drafts
    client = api(None if actor == "anonymous" else keys[actor])
    data = body(world) if callable(body) else body
    response = getattr(client, method)(url(world), data, format="json")
    assert response.status_code == expected[actor], (actor, label, response.content[:300])
    if response.status_code >= 400:
        body = response.json()
        assert set(body) == {"code", "message", "field_errors"}
