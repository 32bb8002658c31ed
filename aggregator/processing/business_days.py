"""Business days as targets count them: Monday to Friday, US federal holidays excluded
(the days federal offices are closed, 5 U.S.C. 6103, observed dates included), from the
maintained ``holidays`` tables rather than a list of our own."""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache

import holidays

__all__ = ["add_business_days", "is_business_day"]

_SATURDAY = 5


@cache
def _federal(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("US", years=year))


def is_business_day(day: date) -> bool:
    """Whether federal offices are open on ``day``."""
    return day.weekday() < _SATURDAY and day not in _federal(day.year)


def add_business_days(start: date, days: int) -> date:
    """The ``days``-th business day after ``start`` (``start`` itself not counted, as a
    period "within N business days of receipt" runs); ``start`` when ``days`` is 0 or less."""
    day = start
    left = days
    while left > 0:
        day += timedelta(days=1)
        if is_business_day(day):
            left -= 1
    return day
