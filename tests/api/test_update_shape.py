"""An update has one shape (reporting.api.serializers.UpdateSerializer): the
list, the detail and the CSV print the same fields with the same values, which
are checked here against values written out by hand."""

import csv
import io
import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile

from metroplan.testing import factories as f
from reporting.models import Evidence, PeriodReopening, ProgressUpdate


@pytest.fixture
def staff_api(api, keys):
    return api(keys["staff"])


@pytest.fixture
def reviewed(world, cast, settings, tmp_path):
    """A submitted update of member A with two values (one not available), a
    file and a link, submitted late within a granted reopening."""
    settings.MEDIA_ROOT = tmp_path
    w = world
    second = f.IndicatorFactory(action=w.action1, code="1.1.b", order=5)
    w.indicator1.order = 1
    w.indicator1.save()
    update = w.draft_a
    update.state = ProgressUpdate.State.SUBMITTED
    update.narrative = "Three papers out"
    update.submitted_by = cast.focal_a
    update.submitted_at = update.first_submitted_at = datetime(2022, 5, 3, 9, 30, 15, 120000, tzinfo=UTC)
    update.reviewed_by = cast.staff
    update.reviewed_at = datetime(2022, 5, 5, tzinfo=UTC)
    update.reviewer_comment = "Please add the minutes"
    update.save()
    update.values.all().delete()
    f.IndicatorValueFactory(update=update, indicator=second, value=None, not_available=True,
                            not_available_reason="No survey")
    f.IndicatorValueFactory(update=update, indicator=w.indicator1, value=Decimal("7.5"))
    PeriodReopening.objects.create(period=update.period, member=update.member, state="granted",
                                   until=datetime(2022, 6, 1).date(), requested_by=cast.focal_a, reason="Floods")
    minutes = Evidence(update=update, title="Minutes", added_by=cast.focal_a)
    minutes.file.save("minutes.pdf", ContentFile(b"%PDF-1.4"), save=False)
    minutes.save()
    link = Evidence.objects.create(update=update, url="https://example.org/x", title="")
    Evidence.objects.filter(pk=minutes.pk).update(added_at=datetime(2022, 5, 1, 8, 0, tzinfo=UTC))
    Evidence.objects.filter(pk=link.pk).update(added_at=datetime(2022, 5, 2, 8, 0, 0, 500, tzinfo=UTC))
    update.refresh_from_db()
    return update, second, minutes, link


# The parts of a disaggregated value (by sex, by age group): none asked here.
NO_PARTS = {"women": None, "men": None, "sex_other": None, "youth": None, "age_other": None}


def test_an_update_reads_the_same_in_the_list_the_detail_and_the_csv(world, reviewed, staff_api):
    update, second, minutes, link = reviewed
    expected = {
        "id": update.pk, "member": "member-a", "action": "1.1", "period": update.period.code,
        "plan": world.plan.code, "state": "submitted", "status": update.status, "narrative": "Three papers out",
        "no_change": False,
        "values": [  # in the indicators' order
            {"indicator": world.indicator1.pk, "indicator_code": "1.1.a", "value": "7.50", "not_available": False,
             "reason": "", **NO_PARTS},
            {"indicator": second.pk, "indicator_code": "1.1.b", "value": None, "not_available": True,
             "reason": "No survey", **NO_PARTS},
        ],
        "evidence": [  # oldest first; a file as the absolute URL of its checked download
            {"id": minutes.pk, "title": "Minutes", "url": None,
             "file": f"http://testserver/api/v1/updates/{update.pk}/evidence/{minutes.pk}/file",
             "file_name": minutes.download_name, "added_at": "2022-05-01T08:00:00Z"},
            {"id": link.pk, "title": "", "url": "https://example.org/x", "file": None, "file_name": None,
             "added_at": "2022-05-02T08:00:00.000500Z"},
        ],
        "reviewer_comment": "Please add the minutes",
        "created": update.created.isoformat().replace("+00:00", "Z"),
        "modified": update.modified.isoformat().replace("+00:00", "Z"),
        "first_submitted_at": "2022-05-03T09:30:15.120000Z", "submitted_at": "2022-05-03T09:30:15.120000Z",
        "submitted_by": "focal-a", "reviewed_at": "2022-05-05T00:00:00Z", "reviewed_by": "staff",
        "timeliness": "excused",  # after the deadline, within the reopening
        "version": update.version, "is_demo": False,
        "match": None,  # how the update matched ?search= (tests/api/test_search.py)
    }
    assert update.period.deadline < datetime(2022, 5, 3).date()
    listed = {row["id"]: row for row in staff_api.get("/api/v1/updates/?page_size=500").json()["results"]}
    assert listed[update.pk] == expected
    assert list(listed[update.pk]) == list(expected)  # the declared order
    assert staff_api.get(f"/api/v1/updates/{update.pk}/").json() == expected
    whole = staff_api.get("/api/v1/updates/?format=csv")  # streamed
    for text in (b"".join(whole.streaming_content).decode(),
                 staff_api.get("/api/v1/updates/?format=csv&page_size=500").content.decode()):
        row = next(row for row in csv.DictReader(io.StringIO(text)) if row["id"] == str(update.pk))
        assert json.loads(row["values"]) == expected["values"]
        assert json.loads(row["evidence"]) == expected["evidence"]
        assert row["submitted_at"] == "2022-05-03T09:30:15.120000Z" and row["timeliness"] == "excused"
        assert row["reviewed_by"] == "staff" and row["member"] == "member-a" and row["plan"] == world.plan.code


def test_unsent_and_late_updates(world, staff_api):
    w = world
    late = w.approved_b
    late.first_submitted_at = datetime(2030, 1, 1, tzinfo=UTC)
    late.save()
    listed = {row["id"]: row for row in staff_api.get("/api/v1/updates/?page_size=500").json()["results"]}
    assert listed[late.pk]["timeliness"] == "late"
    draft = listed[w.draft_b.pk]
    assert (draft["timeliness"], draft["first_submitted_at"], draft["submitted_by"], draft["reviewed_by"]) == (
        None, None, None, None)
    assert draft["evidence"] == [] and draft["values"] == []


def test_timestamps_are_written_in_utc_whatever_the_active_zone(world, staff_api, settings):
    """The API's zone is UTC ("…Z"): a client never has to guess the offset."""
    settings.TIME_ZONE = "America/Bogota"
    body = staff_api.get(f"/api/v1/updates/{world.approved_a.pk}/").json()
    assert body["first_submitted_at"].endswith("Z")
    assert body["first_submitted_at"] == world.approved_a.first_submitted_at.astimezone(UTC).isoformat().replace(
        "+00:00", "Z")


def test_the_updates_list_pages_keep_their_order(world, api, keys):
    client = api(keys["staff"])
    whole = [row["id"] for row in client.get("/api/v1/updates/?page_size=500").json()["results"]]
    paged = [row["id"] for page in (1, 2, 3)
             for row in client.get(f"/api/v1/updates/?page_size=2&page={page}").json()["results"]]
    assert paged == whole
    expected = list(ProgressUpdate.objects.order_by("-period__start", "member__name", "action__code", "pk")
                    .values_list("pk", flat=True))
    assert whole == expected
