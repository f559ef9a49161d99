"""Who sees the dashboards, and that drafts never reach figures or lists of
anyone but their owners (and staff)."""

import pytest
from django.urls import reverse

from tests.dashboards.conftest import DRAFT_NARRATIVE

pytestmark = pytest.mark.django_db

DASHBOARDS = [("overview", []), ("goal-detail", ["1"]), ("action-detail", ["1.1"])]
SIGNED_IN_ONLY = [("member-list", []), ("member-detail", ["m1"]), ("compliance", [])]


@pytest.mark.parametrize("name,args", DASHBOARDS + SIGNED_IN_ONLY)
def test_anonymous_is_sent_to_login_by_default(client, small, name, args):
    response = client.get(reverse(name, args=args))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("user", ["staff", "focal_a", "focal_b", "integrator"])
@pytest.mark.parametrize("name,args", DASHBOARDS + SIGNED_IN_ONLY)
def test_staff_and_focal_points_see_the_dashboards(client, cast, small, user, name, args):
    client.force_login(getattr(cast, user))
    assert client.get(reverse(name, args=args)).status_code == 200


def test_public_dashboard_setting_opens_overview_and_progress_read_only(client, small, settings):
    settings.PUBLIC_DASHBOARD = True
    for name, args in DASHBOARDS:
        response = client.get(reverse(name, args=args))
        assert response.status_code == 200, name
        assert DRAFT_NARRATIVE not in response.content.decode()
    # no links into member pages, which stay for signed-in users
    assert reverse("member-detail", args=["m1"]) not in client.get(reverse("overview")).content.decode()
    for name, args in SIGNED_IN_ONLY:
        assert client.get(reverse(name, args=args)).status_code == 302
    response = client.get(reverse("action-detail", args=["1.1"]))
    assert {u.state for u in response.context["updates_page"]} == {"approved"}


def test_drafts_are_shown_only_to_their_owner_and_staff(client, cast, small):
    for user, sees in [(cast.focal_b, False), (cast.integrator, False), (cast.focal_a, True), (cast.staff, True)]:
        client.force_login(user)
        response = client.get(reverse("action-detail", args=["1.1"]))
        assert (DRAFT_NARRATIVE in response.content.decode()) is sees, user
        latest = {p.member.slug: p.latest_state for p in response.context["participations"]}
        assert latest["member-a"] == ("draft" if sees else None)
        member_page = client.get(reverse("member-detail", args=["member-a"])).content.decode()
        assert (DRAFT_NARRATIVE in member_page) is sees, user
        goal_page = client.get(reverse("goal-detail", args=["1"])).content.decode()
        assert (DRAFT_NARRATIVE in goal_page) is sees, user


def test_figures_are_the_same_for_everyone_and_ignore_drafts(client, cast, small):
    for user in (cast.staff, cast.focal_a, cast.focal_b):
        client.force_login(user)
        response = client.get(reverse("overview"), {"period": "2022-Q1"})
        # member A's draft is neither a submission (compliance) nor an approved value (progress)
        assert response.context["progress"].value == pytest.approx(0.58)
        assert response.context["period_figure"].value == pytest.approx(0.6)


def test_staff_see_provenance_of_a_member_focal_points_do_not(client, cast, small):
    client.force_login(cast.staff)
    assert "Record confidence" in client.get(reverse("member-detail", args=["m1"])).content.decode()
    client.force_login(cast.focal_b)
    assert "Record confidence" not in client.get(reverse("member-detail", args=["m1"])).content.decode()


def test_unknown_member_is_404(client, cast, small):
    client.force_login(cast.focal_a)
    assert client.get(reverse("member-detail", args=["nowhere"])).status_code == 404
