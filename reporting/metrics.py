"""Reporting's metrics read at each scrape of /metrics (metroplan/metrics.py):
reports by state, from the reports table, so that every process and host
answers the same."""

from django.db.models import Count
from prometheus_client.core import GaugeMetricFamily

from reporting.models import Report


def collect():
    family = GaugeMetricFamily("metroplan_reports", "Reports by state (queued, running, done, failed).",
                               labels=["state"])
    counts = dict(Report.objects.order_by().values_list("state").annotate(n=Count("pk")))
    for state in Report.State.values:
        family.add_metric([state], counts.get(state, 0))
    yield family
