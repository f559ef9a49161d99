"""schemathesis over /api/schema/: every operation, with data generated from the
schema and sent with a staff write token and with a read token, answers no 5xx and only what the
schema says (status codes, content types, headers, bodies).

Bounded (a few examples per operation) so that it finishes in a couple of
minutes. POST /api/v1/reports/ is left out: it queues work on the broker, which
the report engineer's tests cover."""

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.specs.openapi import checks as openapi_checks

from metroplan.wsgi import application

CHECKS = [
    schemathesis.checks.not_a_server_error,
    openapi_checks.status_code_conformance,
    openapi_checks.content_type_conformance,
    openapi_checks.response_headers_conformance,
    openapi_checks.response_schema_conformance,
]


# The schema is public and generated without the database, so it is loaded
# once, at collection, the way a client that knows only /api/schema/ would.
schema = schemathesis.openapi.from_wsgi("/api/schema/", application, headers={"Host": "localhost"}).exclude(
    method="POST", path="/api/v1/reports/"
)


@pytest.fixture(autouse=True)
def _in_process(settings):
    """As Django's test client does: keep the test's database connection (and
    its transaction) open across in-process requests."""
    from django.core import signals
    from django.db import close_old_connections

    settings.ALLOWED_HOSTS = ["localhost", "testserver"]
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def files(world, settings, tmp_path):
    """Evidence of both kinds and a built report with its files, so that the
    shapes and the downloads are checked too."""
    from datetime import date

    from django.core.files.base import ContentFile

    from reporting.models import Evidence, Report

    settings.MEDIA_ROOT = tmp_path
    for update in (world.draft_a, world.approved_a):
        Evidence.objects.create(update=update, url="https://example.org/minutes", title="Minutes")
        evidence = Evidence(update=update, file_name="plan.pdf")
        evidence.file.save("plan.pdf", ContentFile(b"%PDF-1.4 plan"), save=True)
    report = Report.objects.create(
        plan=world.plan, kind="on_demand", period=world.period, as_of=date(2022, 3, 31), state=Report.State.DONE,
        snapshot={}, html="<p>Report</p>",
    )
    for fmt in ("pdf", "xlsx", "csv"):
        getattr(report, fmt).save(f"r.{fmt}", ContentFile(b"report"), save=False)
    report.save()


@pytest.mark.parametrize("token", ["staff", "read"])
@schema.parametrize()
@settings(
    max_examples=15,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
    phases=[Phase.explicit, Phase.generate],
)
def test_api_conforms_to_its_schema(case, token, world, keys, files):
    """With the secretariat's write token and an integrator's read token."""
    case.call_and_validate(headers={"Authorization": f"Token {keys[token]}"}, checks=CHECKS)
