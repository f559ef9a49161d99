"""The number of queries of each dashboard page and of the figures API does not
grow with the number of members, actions or updates."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.dashboards.conftest import grow

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock_stands_still")]

PAGES = [
    ("home", [], {}),  # the staff's desk or focal point A's city
    ("overview", [], {}),
    ("overview", [], {"period": "2022-Q1"}),
    ("goal-detail", ["1"], {}),
    ("action-detail", ["1.1"], {}),
    ("member-list", [], {"sort": "-compliance"}),
    ("member-list", [], {"region": "north", "period": "2022-Q1"}),
    ("member-detail", ["m1"], {}),
    ("member-detail", ["m1"], {"period": "2022-Q1"}),
    ("compliance", [], {}),
    ("compliance", [], {"goal": "1", "action": "1.1"}),
    ("api-figures", [], {}),
]


def count_queries(client, name, args, params) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse(name, args=args), params)
    assert response.status_code == 200, (name, response.status_code)
    return len(queries)


@pytest.mark.parametrize("user", ["staff", "focal_a"])
def test_query_count_is_constant_between_small_and_large_data(client, cast, small, user):
    client.force_login(getattr(cast, user))
    before = {(name, tuple(args), tuple(params.items())): count_queries(client, name, args, params)
              for name, args, params in PAGES}
    grow(small, n=15)
    after = {(name, tuple(args), tuple(params.items())): count_queries(client, name, args, params)
             for name, args, params in PAGES}
    assert after == before


def test_the_indicator_math_panel_lists_its_values_in_constant_queries(client, cast, small):
    """The new "show the math with numbers" panel of each indicator (member,
    period, value, approved when, carried forward) reads the engine's result:
    no query per value or per member."""
    indicator = small.indicators["1.1.a"]
    indicator.carry_forward = 1
    indicator.save()
    client.force_login(cast.staff)
    before = count_queries(client, "action-detail", ["1.1"], {})
    page = client.get(reverse("action-detail", args=["1.1"])).content.decode()
    assert "Alpha City, 2022-Q2: 70 (approved" in page
    assert "Beta City, 2022-Q1: 30 (approved" in page and "carried forward" in page
    assert "approved data from 1 of" in page
    grow(small, n=15)
    assert count_queries(client, "action-detail", ["1.1"], {}) == before


# What only the figures engine reads: the approved values and the plan's milestones. (A focal
# point's home also lists the city's own latest values, drafts too: what it shows, not a figure.)
FIGURE_TABLES = ("reporting_approvedindicatorvalue", "actions_milestone")


@pytest.mark.parametrize("user", ["staff", "focal_a"])
def test_a_repeated_page_costs_no_figure_query(client, cast, small, user, monkeypatch):
    """The second request of a page reads the figures from the cache: the
    engine computes nothing and no query reads the values behind the figures
    (one query reads the figures version)."""
    from reporting.figures import engine, split

    client.force_login(getattr(cast, user))
    for name, args, params in PAGES:
        client.get(reverse(name, args=args), params)  # the first visitor computes them
    computed = []
    monkeypatch.setattr(engine, "_compute", lambda *a, **k: computed.append("plan") or [])
    monkeypatch.setattr(split, "_splits", lambda *a, **k: computed.append("split") or {})
    for name, args, params in PAGES:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse(name, args=args), params)
        assert response.status_code == 200, name
        read = [q["sql"] for q in queries.captured_queries if any(table in q["sql"] for table in FIGURE_TABLES)]
        assert read == [], (name, params)
    assert computed == []
