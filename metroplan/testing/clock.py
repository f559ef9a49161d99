"""A clock for tests: `frozen(moment)` makes django.utils.timezone.now (and so
localdate, auto_now fields, the figures engine's "today") answer `moment`, and
`clock.move(days=1)` moves it on. Everything in the project reads time through
django.utils.timezone, so patching it there freezes the whole site.

    with frozen(date(2022, 4, 16)) as clock:   # 09:00 UTC that day
        reminders_plan()
        clock.move(days=11)
        reminders_plan()
"""

from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from unittest import mock


class Clock:
    def __init__(self, moment: datetime):
        self.moment = moment

    def now(self) -> datetime:
        return self.moment

    def move(self, **delta) -> datetime:
        self.moment += timedelta(**delta)
        return self.moment

    def set(self, moment: date | datetime) -> datetime:
        self.moment = _aware(moment)
        return self.moment

    @property
    def today(self) -> date:
        return self.moment.date()


def _aware(moment: date | datetime) -> datetime:
    if not isinstance(moment, datetime):
        moment = datetime.combine(moment, time(9))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@contextmanager
def frozen(moment: date | datetime):
    """Time stands at `moment` (a day means 09:00 UTC on it) until moved."""
    clock = Clock(_aware(moment))
    with mock.patch("django.utils.timezone.now", side_effect=clock.now):
        yield clock
