"""Reporting periods of a plan: the default quarterly cycle."""

from datetime import date, timedelta

from django.db import transaction

from reporting.models import ReportingPeriod

DEADLINE_DAYS_AFTER_END = 30


def quarters(start_year: int, end_year: int):
    for year in range(start_year, end_year + 1):
        for quarter in range(1, 5):
            first = date(year, 3 * quarter - 2, 1)
            next_first = date(year + (quarter == 4), (3 * quarter) % 12 + 1, 1)
            yield f"{year}-Q{quarter}", first, next_first - timedelta(days=1)


@transaction.atomic
def periods_create_quarterly(*, plan) -> list[ReportingPeriod]:
    """One period per quarter of the plan, deadline 30 days after its end.

    Existing periods keep their open/closed state and any deadline staff set.
    """
    periods = []
    for code, start, end in quarters(plan.start_date.year, plan.end_date.year):
        period, _ = ReportingPeriod.objects.get_or_create(
            plan=plan,
            code=code,
            defaults={"start": start, "end": end, "deadline": end + timedelta(days=DEADLINE_DAYS_AFTER_END)},
        )
        periods.append(period)
    return periods
