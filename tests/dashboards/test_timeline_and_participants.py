"""A goal's and an action's page at any size: the updates timeline pages
exactly as a plain list would (it reads only the periods a page falls in), and
the participants' summary follows every save and each reader's view of drafts
(it is kept under the figures version, per reader)."""

import re
from datetime import date

import pytest
from django.core.paginator import Paginator
from django.urls import reverse

from members.models import FocalPoint
from metroplan.paginators import GroupedPaginator
from metroplan.testing import factories as f
from reporting.models import ProgressUpdate

from .conftest import add_update, grow

pytestmark = pytest.mark.django_db


def timeline():
    return ProgressUpdate.objects.select_related("member", "period").order_by(
        "-period__start", "-submitted_at", "member__name", "pk"
    )


@pytest.mark.parametrize("per_page,orphans", [(1, 0), (3, 0), (7, 0), (7, 2), (25, 0), (100, 0)])
def test_the_timeline_pages_like_the_whole_list(small, per_page, orphans):
    grow(small, n=6)  # 6 more members × 3 actions × 2 periods, in every state
    q3 = f.ReportingPeriodFactory(plan=small.plan, code="2022-Q3", start=date(2022, 7, 1), end=date(2022, 9, 30),
                                  deadline=date(2022, 10, 30))
    add_update(small.members["m1"], small.actions["1.1"], q3, state="submitted")  # one update in the newest period
    plain = Paginator(timeline(), per_page, orphans=orphans)
    grouped = GroupedPaginator(timeline(), per_page, orphans=orphans, group="-period__start")
    assert (grouped.count, grouped.num_pages) == (plain.count, plain.num_pages)
    for number in plain.page_range:
        page = grouped.page(number)
        assert [u.pk for u in page] == [u.pk for u in plain.page(number)], number
        assert (page.start_index(), page.end_index(), page.has_next()) == (
            plain.page(number).start_index(), plain.page(number).end_index(), plain.page(number).has_next())


def test_an_empty_timeline_has_one_empty_page(small):
    page = GroupedPaginator(timeline().none(), 25, group="-period__start").get_page(1)
    assert (list(page), page.paginator.num_pages) == ([], 1)


def test_a_goal_pages_its_timeline_newest_first(client, cast, small):
    grow(small, n=12)
    client.force_login(cast.staff)
    first = client.get(reverse("goal-detail", args=["1"])).context["updates_page"]
    assert first.paginator.num_pages > 1
    seen = []
    for number in first.paginator.page_range:
        response = client.get(reverse("goal-detail", args=["1"]), {"page": number})
        seen += [(u.period.code, u.member.name) for u in response.context["updates_page"]]
    assert [code for code, _name in seen] == sorted((code for code, _name in seen), reverse=True)
    expected = ProgressUpdate.objects.filter(action__goal=small.goals["1"])
    assert sorted(seen) == sorted((u.period.code, u.member.name) for u in expected)


def states(client, user) -> dict:
    client.force_login(user)
    response = client.get(reverse("goal-detail", args=["1"]))
    assert response.status_code == 200
    return dict(response.context["participant_states"])


def test_the_participants_summary_follows_each_save_and_each_readers_drafts(client, cast, small):
    # 1.1: m1 approved (Q2), m2 approved (Q1), member A's draft (Q1), m4 and m5 nothing yet.
    assert states(client, cast.staff) == {"approved": 2, "draft": 1, None: 2}
    assert states(client, cast.focal_a) == {"approved": 2, "draft": 1, None: 2}  # their own draft
    assert states(client, cast.focal_b) == {"approved": 2, None: 3}  # another member's draft is not shown
    moved = FocalPoint.objects.get(user=cast.focal_b)
    moved.member, before = small.members["m3"], moved.member
    moved.save()  # now member A's focal point: its draft is theirs to see
    assert states(client, cast.focal_b) == {"approved": 2, "draft": 1, None: 2}
    moved.member = before
    moved.save()
    assert states(client, cast.focal_b) == {"approved": 2, None: 3}
    add_update(small.members["m2"], small.actions["1.1"], small.periods["2022-Q2"], state="submitted")
    assert states(client, cast.staff) == {"approved": 1, "submitted": 1, "draft": 1, None: 2}
    assert states(client, cast.focal_b) == {"approved": 2, None: 3}  # submitted, not approved: not theirs to see
    draft = ProgressUpdate.objects.get(member=small.members["m3"], action=small.actions["1.1"])
    draft.state, draft.first_submitted_at, draft.submitted_at = "approved", draft.created, draft.created
    draft.reviewed_at = draft.created
    draft.save()
    assert states(client, cast.focal_b) == {"approved": 3, None: 2}
    assert states(client, cast.staff) == {"approved": 2, "submitted": 1, None: 2}


def test_the_math_result_marks_a_unit_shown_in_english_on_a_french_page(client, cast, small):
    """"Show the math": the result sentence is in the page's language; the
    unit, plan content with no French wording, is marked as English."""
    client.force_login(cast.staff)
    pages = {lang: client.get(reverse("action-detail", args=["2.2"]), HTTP_ACCEPT_LANGUAGE=lang).content.decode()
             for lang in ("fr", "en")}
    results = {lang: re.findall(r"<dt>[^<]+</dt><dd>([^\n]*?papers[^\n]*?)</dd>", page) for lang, page in pages.items()}
    assert results["fr"] and all('<span lang="en">papers</span>' in result for result in results["fr"])
    assert results["en"] and not any("lang=" in result for result in results["en"])
