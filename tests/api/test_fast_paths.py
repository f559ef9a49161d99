"""Lists ordered by a figure show the engine's figure, in order, on every
kind of action and indicator; the updates list (reporting.api.selectors.
update_rows, plain rows) equals UpdateSerializer on every kind of update."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.test import RequestFactory
from django.utils import timezone

from metroplan.testing import factories as f
from reporting.api.selectors import update_rows, updates_for_api
from reporting.api.serializers import UpdateSerializer
from reporting.models import Evidence, ProgressUpdate


@pytest.fixture
def varied(world, cast):
    """Actions of every shape: several periods (the latest counts), values past
    the target (clamped), a decreasing indicator, not-available values, a
    retired indicator, unapproved values, and actions without indicators."""
    later = f.ReportingPeriodFactory(plan=world.plan, code="2022-Q2", start=date(2022, 4, 1), end=date(2022, 6, 30))
    member_c = f.MemberFactory(slug="member-c")
    for member, value in ((cast.member_b, "30"), (member_c, "45")):
        update = f.ProgressUpdateFactory(member=member, action=world.action1, period=later, state="approved")
        f.IndicatorValueFactory(update=update, indicator=world.indicator1, value=Decimal(value))
    draft = f.ProgressUpdateFactory(member=member_c, action=world.action2, period=later, state="draft")
    f.IndicatorValueFactory(update=draft, indicator=world.indicator2, value=Decimal("99"))
    falling = f.IndicatorFactory(action=world.action2, code="2.1.b", direction="decrease", baseline=Decimal("100"),
                                 target=Decimal("40"))
    approved = f.ProgressUpdateFactory(member=member_c, action=world.action2, period=world.closed_period,
                                       state="approved")
    f.IndicatorValueFactory(update=approved, indicator=falling, value=Decimal("85.5"))
    f.IndicatorValueFactory(update=approved, indicator=world.indicator2, value=None, not_available=True,
                            not_available_reason="No survey")
    f.IndicatorFactory(action=world.action2, code="2.1.c", retired=True)
    for code, status in (("2.7", "completed"), ("2.8", "not_started"), ("2.9", "at_risk")):
        f.ActionFactory(goal=world.goal2, code=code, status=status)
    return world


def test_the_indicators_list_shows_the_same_figures_as_ordering_by_progress(varied, api, keys):
    client = api(keys["staff"])
    fast = {row["id"]: (row["latest_value"], row["progress"])
            for row in client.get("/api/v1/indicators/").json()["results"]}
    ordered = client.get("/api/v1/indicators/?ordering=-progress").json()["results"]
    assert {row["id"]: (row["latest_value"], row["progress"]) for row in ordered} == fast
    assert [row["progress"] for row in ordered] == sorted((p for _, p in fast.values()), reverse=True)


def test_the_actions_list_shows_the_same_progress_as_ordering_by_it(varied, api, keys):
    client = api(keys["staff"])
    fast = {row["code"]: row["progress"] for row in client.get("/api/v1/actions/").json()["results"]}
    ordered = client.get("/api/v1/actions/?ordering=-progress").json()["results"]
    assert {row["code"]: row["progress"] for row in ordered} == pytest.approx(fast)
    assert [row["progress"] for row in ordered] == sorted(fast.values(), reverse=True)


@pytest.mark.parametrize("zone", ["UTC", "America/Bogota", "Asia/Kolkata"])
def test_update_rows_equal_the_declared_serializer(varied, cast, settings, tmp_path, zone):
    settings.MEDIA_ROOT = tmp_path
    update = varied.draft_a
    update.submitted_by = cast.focal_a
    update.reviewed_by = cast.staff
    update.submitted_at = update.first_submitted_at = datetime(2022, 4, 3, 9, 30, 15, 123456, tzinfo=UTC)
    update.reviewed_at = datetime(2022, 4, 5, tzinfo=UTC)
    update.state = "submitted"
    update.save()
    evidence = Evidence(update=update, title="Minutes", added_by=cast.focal_a)
    evidence.file.save("minutes.pdf", ContentFile(b"%PDF-1.4"), save=False)
    evidence.save()
    Evidence.objects.create(update=update, url="https://example.org/x", title="")
    late = ProgressUpdate.objects.filter(state="approved").first()
    late.first_submitted_at = datetime(2030, 1, 1, tzinfo=UTC)
    late.save()

    request = RequestFactory().get("/api/v1/updates/")
    request.user = cast.staff
    queryset = updates_for_api(cast.staff)
    ids = list(queryset.values_list("pk", flat=True))
    with timezone.override(zone):  # datetimes are written in the current time zone
        declared = UpdateSerializer(queryset, many=True, context={"request": request}).data
        fast = update_rows(queryset, ids, request=request)
    assert len(fast) == len(declared) >= 8
    for fast_row, declared_row in zip(fast, declared, strict=True):
        assert fast_row == dict(declared_row)
        assert list(fast_row) == list(declared_row)
    timeliness = {row["timeliness"] for row in fast}
    assert {"late", None} <= timeliness
    assert any(item["file"] and item["file"].startswith("http://testserver/") for row in fast for item in
               row["evidence"])


def test_the_updates_list_pages_keep_their_order(world, api, keys):
    client = api(keys["staff"])
    whole = [row["id"] for row in client.get("/api/v1/updates/?page_size=500").json()["results"]]
    paged = [row["id"] for page in (1, 2, 3)
             for row in client.get(f"/api/v1/updates/?page_size=2&page={page}").json()["results"]]
    assert paged == whole
    expected = list(ProgressUpdate.objects.order_by("-period__start", "member__name", "action__code", "pk")
                    .values_list("pk", flat=True))
    assert whole == expected
