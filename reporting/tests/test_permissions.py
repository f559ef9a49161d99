"""Who gets what from every update page: one table, one row per view and role.
Objects outside a user's reach are 404, never 403, so nothing leaks."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from reporting import services
from reporting.models import PeriodReopening

from .conftest import make_update

ROLES = ["anonymous", "focal_a", "focal_b", "staff", "integrator"]
LOGIN = "login"

# view: (method, {role: expected status}); "login" = redirect to the login page.
TABLE = {
    "updates": ("get", {"anonymous": LOGIN, "focal_a": 200, "focal_b": 200, "staff": 302, "integrator": 200}),
    "update-edit": ("get", {"anonymous": LOGIN, "focal_a": 200, "focal_b": 404, "staff": 200, "integrator": 404}),
    "update-edit-post": ("post", {"anonymous": LOGIN, "focal_a": 302, "focal_b": 404, "staff": 302,
                                  "integrator": 404}),
    "update-detail": ("get", {"anonymous": LOGIN, "focal_a": 200, "focal_b": 404, "staff": 200, "integrator": 404}),
    "update-history": ("get", {"anonymous": LOGIN, "focal_a": 200, "focal_b": 404, "staff": 200, "integrator": 404}),
    "update-approve": ("post", {"anonymous": LOGIN, "focal_a": 404, "focal_b": 404, "staff": 302, "integrator": 404}),
    "update-return": ("post", {"anonymous": LOGIN, "focal_a": 404, "focal_b": 404, "staff": 302, "integrator": 404}),
    "update-review-queue": ("get", {"anonymous": LOGIN, "focal_a": 404, "focal_b": 404, "staff": 200,
                                    "integrator": 404}),
    "update-bulk-approve": ("post", {"anonymous": LOGIN, "focal_a": 404, "focal_b": 404, "staff": 302,
                                     "integrator": 404}),
    "update-spreadsheet": ("get", {"anonymous": LOGIN, "focal_a": 200, "focal_b": 200, "staff": 404,
                                   "integrator": 404}),
    "update-spreadsheet-upload": ("get", {"anonymous": LOGIN, "focal_a": 200, "focal_b": 200, "staff": 404,
                                          "integrator": 404}),
    "evidence-download": ("get", {"anonymous": LOGIN, "focal_a": 200, "focal_b": 404, "staff": 200,
                                  "integrator": 404}),
    "evidence-remove": ("post", {"anonymous": LOGIN, "focal_a": 302, "focal_b": 404, "staff": 302,
                                 "integrator": 404}),
    "reopening-request": ("post", {"anonymous": LOGIN, "focal_a": 302, "focal_b": 404, "staff": 302,
                                   "integrator": 404}),
    "reopening-request-any": ("post", {"anonymous": LOGIN, "focal_a": 302, "focal_b": 404, "staff": 302,
                                       "integrator": 404}),
    "reopening-grant": ("post", {"anonymous": LOGIN, "focal_a": 404, "focal_b": 404, "staff": 302,
                                 "integrator": 404}),
    "reopening-refuse": ("post", {"anonymous": LOGIN, "focal_a": 404, "focal_b": 404, "staff": 302,
                                  "integrator": 404}),
    "focal-point-list": ("get", {"anonymous": LOGIN, "focal_a": 404, "focal_b": 404, "staff": 200,
                                 "integrator": 404}),
    "focal-point-add": ("get", {"anonymous": LOGIN, "focal_a": 404, "focal_b": 404, "staff": 200,
                                "integrator": 404}),
}


def test_every_update_url_is_in_the_table():
    from reporting.urls import urlpatterns

    names = {p.name for p in urlpatterns}
    assert names <= set(TABLE) | {"update-edit"}


def _request(view, cast, world):
    """(url, data) for `view`, building what it needs: a draft of member A for
    detail views, a submitted one for reviews, evidence, a reopening request."""
    if view in ("update-edit", "update-edit-post"):
        url = reverse("update-edit", args=["member-a", world.period.code, world.action.code])
        return url, {"version": 0, "intent": "save", "narrative": "typed", "status": ""}
    if view in ("update-detail", "update-history"):
        return reverse(view, args=[make_update(world, cast.member_a, state="draft").pk]), {}
    if view in ("update-approve", "update-return"):
        update = make_update(world, cast.member_a, state="submitted")
        return reverse(view, args=[update.pk]), {"version": update.version, "comment": "Please add a source."}
    if view == "update-bulk-approve":
        update = make_update(world, cast.member_a, state="submitted")
        return reverse(view), {"update": f"{update.pk}:{update.version}"}
    if view in ("evidence-download", "evidence-remove"):
        update = make_update(world, cast.member_a, state="draft")
        evidence = services.evidence_add(user=cast.staff, update=update,
                                         file=SimpleUploadedFile("a.txt", b"evidence"))
        return reverse(view, args=[evidence.pk]), {}
    if view == "reopening-request":
        return reverse(view, args=["member-a", world.closed.code]), {"reason": "late data"}
    if view == "reopening-request-any":
        return reverse(view, args=["member-a"]), {"period": world.closed.code, "reason": "late data"}
    if view in ("reopening-grant", "reopening-refuse"):
        reopening = PeriodReopening.objects.create(period=world.closed, member=cast.member_a, reason="r")
        return reverse(view, args=[reopening.pk]), {"days": 7}
    return reverse(view), {}


CASES = [(view, role) for view in TABLE for role in ROLES]


@pytest.mark.django_db
@pytest.mark.parametrize("view,role", CASES, ids=[f"{v}-{r}" for v, r in CASES])
def test_access(client, cast, world, view, role):
    method, expected = TABLE[view]
    url, data = _request(view, cast, world)
    if role != "anonymous":
        client.force_login(getattr(cast, role))
    response = getattr(client, method)(url, data)
    want = expected[role]
    if want == LOGIN:
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    else:
        assert response.status_code == want
