"""Each role's home at `/`: a focal point's city (what is due and returned
first, the reviewer's comments, the city's compliance against the network's,
its actions with their latest values) and a secretariat member's desk (the
review queue, members overdue, actions they lead, flags). Both link to the
network overview, which stays at /overview/. Figures are the engine's; the
numbers are computed by hand from the small plan (tests/dashboards/conftest.py).

Time is frozen on 15 November 2022: 2022-Q3 (deadline 30 October) is open and
overdue, 2022-Q4 (deadline 30 January 2023) is open and due."""

from datetime import date, datetime, time

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse
from django.utils import timezone

from metroplan.testing import factories as f
from metroplan.testing.clock import frozen
from reporting.figures import plan_figures, status_disagreements
from reporting.models import ReminderSent

from .conftest import add_update
from .test_figures import text

pytestmark = pytest.mark.django_db

TODAY = date(2022, 11, 15)


@pytest.fixture
def clock():
    with frozen(TODAY) as clock:
        yield clock


@pytest.fixture
def open_periods(small, cast, clock):
    """2022-Q3 and 2022-Q4 open. In Q3 member A's update on 1.1 came back with
    a comment; Beta City submitted and waits for review; the others are missing."""
    q3 = f.ReportingPeriodFactory(plan=small.plan, code="2022-Q3", start=date(2022, 7, 1), end=date(2022, 9, 30),
                                  deadline=date(2022, 10, 30), is_open=True)
    q4 = f.ReportingPeriodFactory(plan=small.plan, code="2022-Q4", start=date(2022, 10, 1), end=date(2022, 12, 31),
                                  deadline=date(2023, 1, 30), is_open=True)
    returned = add_update(cast.member_a, small.actions["1.1"], q3, state="returned", on=date(2022, 10, 20),
                          values={small.indicators["1.1.a"]: 95})
    returned.reviewer_comment = "Please give the source of the 95 cities."
    returned.reviewed_by = cast.staff
    returned.reviewed_at = timezone.make_aware(datetime.combine(date(2022, 10, 25), time(9)))
    returned.save()
    add_update(small.members["m2"], small.actions["1.1"], q3, state="submitted", on=date(2022, 10, 28))
    return {"q3": q3, "q4": q4, "returned": returned}


# --- where people land ------------------------------------------------------------------------------------


def test_a_focal_point_lands_on_their_city_and_staff_on_their_desk(client, cast, small, open_periods):
    client.force_login(cast.focal_a)
    city = client.get("/")
    assert city.templates[0].name == "reporting/home_city.html"
    assert city.context["home"].member == cast.member_a
    client.force_login(cast.staff)
    assert client.get("/").templates[0].name == "reporting/home_staff.html"


def test_the_overview_stays_reachable_and_both_homes_link_to_it(client, cast, small, open_periods):
    for user in (cast.focal_a, cast.staff):
        client.force_login(user)
        home = client.get("/").content.decode()
        assert f'href="{reverse("overview")}"' in home and f'href="{reverse("home")}"' in home
        assert client.get(reverse("overview")).templates[0].name == "overview.html"


def test_without_a_role_or_signed_out_with_a_public_dashboard_the_overview_is_home(client, cast, small, settings):
    client.force_login(cast.integrator)
    assert client.get("/").templates[0].name == "overview.html"
    client.logout()
    assert client.get("/").status_code == 302  # signed out, no public dashboard: the login page
    settings.PUBLIC_DASHBOARD = True
    page = client.get("/")
    assert page.status_code == 200 and page.templates[0].name == "overview.html"


def test_signing_in_lands_on_ones_home(client, cast):
    response = client.post(reverse("login"), {"username": "focal-a", "password": f.PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("home") == "/"


# --- a focal point's city -----------------------------------------------------------------------------------


def test_the_city_home_shows_what_is_due_and_returned_first(client, cast, small, open_periods):
    client.force_login(cast.focal_a)
    response = client.get("/")
    home = response.context["home"]
    assert [(s.period.code, s.action.code, s.state, s.overdue) for s in home.to_do] == [
        ("2022-Q3", "1.1", "returned", False), ("2022-Q4", "1.1", "missing", False),
    ]
    page = text(response)
    assert page.index("What needs you") < page.index("comments waiting for you") < page.index("compliance against")
    html = response.content.decode()
    assert reverse("update-edit", args=["member-a", "2022-Q3", "1.1"]) in html
    assert reverse("update-edit", args=["member-a", "2022-Q4", "1.1"]) in html
    assert "Fix and resubmit" in page and "Start" in page


def test_the_city_home_shows_the_reviewers_comment_waiting(client, cast, small, open_periods):
    client.force_login(cast.focal_a)
    page = text(client.get("/"))
    assert "Please give the source of the 95 cities." in page
    assert "returned by staff on 25 October 2022" in page


def test_a_comment_without_a_named_reviewer_reads_well(client, cast, small, open_periods):
    open_periods["returned"].reviewed_by = None  # as the demo seed leaves them
    open_periods["returned"].save()
    client.force_login(cast.focal_a)
    assert "1.1 · 2022-Q3 — returned on 25 October 2022" in text(client.get("/"))


def test_a_comment_on_an_update_of_a_closed_period_stays_on_the_update_not_on_the_home(client, cast, small,
                                                                                     open_periods):
    old = add_update(cast.member_a, small.actions["1.1"], small.periods["2022-Q2"], state="returned",
                     on=date(2022, 7, 20))
    client.force_login(cast.staff)
    assert old.reviewer_comment in client.get(reverse("update-detail", args=[old.pk])).content.decode()
    client.force_login(cast.focal_a)
    home = client.get("/").context["home"]
    assert [u.period.code for u in home.comments] == ["2022-Q3"]  # Q2 is closed: it cannot be resubmitted


def test_the_city_home_shows_the_ten_most_urgent_and_says_how_many_more(client, cast, small, open_periods):
    for i in range(12):
        f.ActionFactory(goal=small.goals["2"], code=f"2.{i + 10}", members=[cast.member_a])
    client.force_login(cast.focal_a)
    response = client.get("/")
    home = response.context["home"]
    assert len(home.to_do) == 26 and len(home.to_do_shown) == 10
    assert home.to_do_shown == home.to_do[:10] and home.to_do_shown[0].period.code == "2022-Q3"
    assert "And 16 more to do." in text(response)


def test_the_city_compliance_is_set_against_the_networks(client, cast, small, open_periods):
    """Member A (m3) in 1.1: Q1 a draft only (missing), Q2 missing, Q3 submitted
    (returned, but submitted before the deadline), Q4 not yet due. The network:
    Q1 3 of 5 on time (60%), Q2 2 of 6 (33%), Q3 2 of 6 on time (Beta City and A)."""
    client.force_login(cast.focal_a)
    response = client.get("/")
    rows = [(p.code, city.value, network.value) for p, city, network in response.context["home"].compliance]
    assert rows == [("2022-Q1", 0.0, 0.6), ("2022-Q2", 0.0, pytest.approx(2 / 6)),
                    ("2022-Q3", 1.0, pytest.approx(2 / 6)), ("2022-Q4", None, None)]
    chart = response.context["compliance_chart"]
    assert [s["label"] for s in chart["series"]] == ["Member A", "Network"]
    assert chart["series"][0]["data"] == [0.0, 0.0, 100.0, None]


def test_the_city_actions_show_the_engines_progress_and_the_citys_latest_values(client, cast, small, open_periods):
    client.force_login(cast.focal_a)
    [row] = client.get("/").context["home"].actions
    figures = plan_figures(small.plan)
    assert row.action.code == "1.1" and row.action.progress == figures.action("1.1").progress
    [(indicator, latest)] = row.values
    assert indicator.code == "1.1.a"
    assert (latest.value, latest.period_code, latest.state) == (95, "2022-Q3", "returned")
    assert row.latest_update["period_code"] == "2022-Q3"


def test_a_city_with_nothing_due_says_so(client, cast, small):
    client.force_login(cast.focal_a)
    with frozen(TODAY):
        page = text(client.get("/"))
    assert "Nothing is due: no reporting period is open for your city's actions." in page


# --- a secretariat member's desk ------------------------------------------------------------------------------


def test_the_desk_shows_the_review_queue_count_and_oldest(client, cast, small, open_periods):
    add_update(small.members["m1"], small.actions["2.1"], open_periods["q3"], state="submitted", on=date(2022, 10, 2))
    client.force_login(cast.staff)
    home = client.get("/").context["home"]
    assert home.queue_count == 2
    assert home.oldest_waiting_since.date() == date(2022, 10, 2)
    assert [(u.member.slug, u.action.code) for u in home.oldest] == [("m1", "2.1"), ("m2", "1.1")]


def test_the_desk_lists_members_overdue_most_missing_first_with_the_last_reminder(client, cast, small,
                                                                                  open_periods):
    """Q3 is overdue: Alpha City misses 1.1, 2.1 and 2.2; Delta City 1.1; A
    submitted (returned) and Beta City submitted. Q4 is not yet due."""
    ReminderSent.objects.create(member=small.members["m4"], period=open_periods["q3"], step=7, state="sent",
                                sent_at=timezone.now())
    client.force_login(cast.staff)
    response = client.get("/")
    home = response.context["home"]
    assert [(r.member["slug"], r.period.code, r.missing, r.expected) for r in home.overdue] == [
        ("m1", "2022-Q3", 3, 3), ("m4", "2022-Q3", 1, 1),
    ]
    assert home.overdue_total == 2
    assert home.overdue[1].last_reminded is not None and home.overdue[0].last_reminded is None
    counts = {row.period.code: (row.received, row.counts["missing"], row.counts["due"]) for row in home.open_periods}
    assert counts == {"2022-Q3": (2, 4, 0), "2022-Q4": (0, 0, 6)}


def test_the_desk_lists_the_actions_one_leads_with_the_engines_figures(client, cast, small, open_periods):
    small.actions["2.2"].lead = cast.staff
    small.actions["2.2"].save()
    client.force_login(cast.staff)
    home = client.get("/").context["home"]
    figures = plan_figures(small.plan)
    assert [(row.action.code, row.action.progress) for row in home.led_actions] == [
        ("2.2", figures.action("2.2").progress)
    ]
    other = f.StaffFactory(username="other-staff")
    client.force_login(other)
    assert client.get("/").context["home"].led_actions == []
    assert "You lead no action." in text(client.get("/"))


def test_the_desks_flags_are_the_engines_status_disagreements_and_early_warnings(client, cast, small, open_periods):
    client.force_login(cast.staff)
    home = client.get("/").context["home"]
    figures = plan_figures(small.plan)
    disagreements, warnings = status_disagreements(figures), figures.warnings
    assert disagreements  # some typed statuses of the small plan contradict its numbers
    assert home.flags_total == len(disagreements) + len(warnings)
    assert [(flag.kind, flag.action.code) for flag in home.flags] == (
        [("status_disagreement", a.code) for a in disagreements] + [("early_warning", w.action.code) for w in warnings]
    )[: len(home.flags)]
    flag = home.flags[0]
    assert flag.explanation == disagreements[0].status_explanation and "it is kept as typed" in flag.explanation


# --- "Report on this" on an action's page -----------------------------------------------------------------------


def test_an_action_page_offers_report_on_this_to_a_focal_point_whose_member_takes_part(client, cast, small,
                                                                                        open_periods):
    client.force_login(cast.focal_a)
    page = client.get(reverse("action-detail", args=["1.1"])).content.decode()
    assert "Report on this" in page
    assert reverse("update-edit", args=["member-a", "2022-Q3", "1.1"]) in page  # the returned one, first
    assert "Report on this" not in client.get(reverse("action-detail", args=["2.1"])).content.decode()
    client.force_login(cast.staff)
    assert "Report on this" not in client.get(reverse("action-detail", args=["1.1"])).content.decode()


def test_an_action_page_without_an_open_period_says_so(client, cast, small, clock):
    client.force_login(cast.focal_a)
    page = text(client.get(reverse("action-detail", args=["1.1"])))
    assert "Report on this" not in page
    assert "Member A takes part in this action; no reporting period is open for it now." in page


def test_anonymous_readers_of_a_public_action_page_see_no_report_button(client, small, settings):
    settings.PUBLIC_DASHBOARD = True
    response = client.get(reverse("action-detail", args=["1.1"]))
    assert response.status_code == 200 and "Report on this" not in response.content.decode()
    assert isinstance(response.wsgi_request.user, AnonymousUser)


# --- cost ------------------------------------------------------------------------------------------------------


@pytest.mark.usefixtures("one_quarter_hour")
def test_each_home_costs_the_same_queries_for_a_small_and_a_large_network(client, cast, small, open_periods):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from .conftest import grow

    def queries(user) -> int:
        client.force_login(user)
        client.get("/")  # the figures engine's cache warm, as for every visitor but the first
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/").status_code == 200
        return len(captured)

    before = {"staff": queries(cast.staff), "focal": queries(cast.focal_a)}
    grow(small, n=20)  # 20 more members in 1.1, 2.1 and a new action: more overdue, more in the queue
    for i in range(5):
        add_update(f.MemberFactory(slug=f"late-{i}"), small.actions["1.1"], open_periods["q3"], state="submitted")
    after = {"staff": queries(cast.staff), "focal": queries(cast.focal_a)}
    assert after == before
    client.force_login(cast.staff)
    assert client.get("/").context["home"].overdue_total > 10


def test_the_review_queue_lists_the_updates_of_actions_whose_typed_status_disagrees(client, cast, small,
                                                                                   open_periods):
    figures = plan_figures(small.plan)
    disagreeing = {a.code for a in status_disagreements(figures)}
    assert disagreeing and disagreeing != set(small.actions)
    submitted = {
        code: add_update(small.members["m1"], action, open_periods["q4"], state="submitted")
        for code, action in small.actions.items()
    }
    client.force_login(cast.staff)
    url = reverse("update-review-queue")
    everything = {u.pk for u in client.get(url).context["page"]}
    assert {u.pk for u in submitted.values()} <= everything
    response = client.get(url, {"status_disagrees": "yes"})
    assert {u.action.code for u in response.context["page"]} == disagreeing
    assert "Typed status disagrees with the figures" in response.content.decode()
