"""Business days as the contract's TargetUnit BUSINESS_DAYS counts them, for agencies' adapters
and the aggregator alike: Monday to Friday, U.S. federal holidays (5 U.S.C. 6103, with the
Friday or Monday on which a weekend holiday is observed, from the maintained ``holidays``
package) excluded.

Processing targets such as premium processing (8 CFR 106.4(f)) and LCA certification
(20 CFR 655.740(a)) are counted in business days, and some deadlines roll forward to the next
one (8 CFR 1003.38(b)). A calendar of cumulative counts makes a count between two days one
subtraction, so the statistics count millions of cases without a loop per day.
"""

from __future__ import annotations

import threading
from datetime import date, timedelta

__all__ = ["add_business_days", "business_days_between", "is_business_day",
           "next_business_day"]

# Years the calendar is built for at a time; a day outside grows it (rare: once per decade).
_SPAN_YEARS = 10


class _Calendar:
    """Cumulative business-day counts by ordinal: a count between two days is one
    subtraction, so millions of cases are counted without a loop per day."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._first = 0
        self._cumulative: list[int] = []

    def _build(self, first_year: int, last_year: int) -> None:
        import holidays  # on first use: importing it and building years takes ~0.4 s

        federal = holidays.country_holidays("US", years=range(first_year, last_year + 1))
        start = date(first_year, 1, 1)
        total = 0
        cumulative = []
        for offset in range((date(last_year, 12, 31) - start).days + 1):
            day = start + timedelta(days=offset)
            if day.weekday() < 5 and day not in federal:
                total += 1
            cumulative.append(total)
        self._first = start.toordinal()
        self._cumulative = cumulative

    def count_through(self, ordinal: int) -> int:
        """Business days from the calendar's start through ``ordinal``."""
        index = ordinal - self._first
        if not self._cumulative or not 0 <= index < len(self._cumulative):
            with self._lock:
                index = ordinal - self._first
                if not self._cumulative or not 0 <= index < len(self._cumulative):
                    year = date.fromordinal(ordinal).year
                    first = min(year, date.fromordinal(self._first).year) if self._cumulative \
                        else year - _SPAN_YEARS
                    last = max(year, date.fromordinal(self._first + len(self._cumulative)).year) \
                        if self._cumulative else year + _SPAN_YEARS
                    self._build(first, last)
                    index = ordinal - self._first
        return self._cumulative[index]


_CALENDAR = _Calendar()


def business_days_between(start: int, end: int) -> int:
    """Business days after day ``start`` up to and including day ``end`` (ordinals); 0 when
    ``end`` is not after ``start``. A decision on the 15th business day after receipt is
    within a 15-business-day target."""
    if end <= start:
        return 0
    return _CALENDAR.count_through(end) - _CALENDAR.count_through(start)


def is_business_day(day: date) -> bool:
    """Whether ``day`` is a weekday that is not a federal holiday."""
    ordinal = day.toordinal()
    return business_days_between(ordinal - 1, ordinal) == 1


def next_business_day(day: date) -> date:
    """``day`` itself when it is a business day, else the first business day after it."""
    while not is_business_day(day):
        day += timedelta(days=1)
    return day


def add_business_days(start: date, days: int) -> date:
    """The ``days``-th business day after ``start`` (``start`` itself not counted, as a
    period "within N business days of receipt" runs); ``start`` when ``days`` is 0 or less."""
    day = start
    for _ in range(max(days, 0)):
        day = next_business_day(day + timedelta(days=1))
    return day
