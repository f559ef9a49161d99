"""The permission matrix, generated from one table of expected answers, for
every endpoint and method and every kind of caller:

- anonymous: 401 everywhere;
- a read token: reads, never writes (403);
- focal point A (write token): reads approved updates and A's own; writes only
  A's updates that are not approved; acting on member B's drafts gets 404 and
  on B's approved updates 403;
- staff (write token): writes everything the API writes.
A resource the API does not write answers 405 to staff (and 401/403 first to
the others).
"""

import pytest

from metroplan.testing import factories as f

ACTORS = ["anonymous", "read", "focal_a", "focal_a_read", "focal_b", "staff"]

READ_ALL = dict.fromkeys(ACTORS, 200) | {"anonymous": 401}
READ_ONLY_WRITE = {
    "anonymous": 401, "read": 403, "focal_a": 403, "focal_a_read": 403, "focal_b": 403, "staff": 405,
}


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
        if name not in ("updates", "reports"):
            rows.append((f"create {name}", "post", lambda w, n=name: f"/api/v1/{n}/", {}, READ_ONLY_WRITE))
            for method in ("put", "patch", "delete"):
                url = lambda w, n=name, d=detail: f"/api/v1/{n}/{d(w)}/"  # noqa: E731
                rows.append((f"{method} {name}", method, url, {}, READ_ONLY_WRITE))
    return rows


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
     {"anonymous": 401, "read": 403, "focal_a": 403, "focal_a_read": 403, "focal_b": 403, "staff": 403}),
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
    ("ask for a report", "post", lambda w: "/api/v1/reports/",
     lambda w: {"kind": "on_demand", "period": w.period.code},
     {"anonymous": 401, "read": 403, "focal_a": 403, "focal_a_read": 403, "focal_b": 403, "staff": 201}),
]

ROWS = _read_rows() + UPDATE_ROWS


@pytest.fixture
def complete_drafts(world):
    """Drafts that can be submitted: every indicator has a value."""
    f.IndicatorValueFactory(update=world.draft_a, indicator=world.indicator1)
    f.IndicatorValueFactory(update=world.draft_b, indicator=world.indicator1)
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
