"""What the reference agencies' demo-data generators share: the working-day calendar and the
way notices write dates.

Days are proleptic Gregorian ordinals (``date.toordinal()``): the generators run millions of
times and do their date arithmetic on ints.
"""

from __future__ import annotations

from datetime import date

__all__ = ["MONTHS", "long_date", "next_weekday", "prior_weekday", "working_days_later"]

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")

# Days to add to reach a weekday, indexed by ordinal % 7 (Sunday is 0, Saturday is 6).
_TO_WEEKDAY = (1, 0, 0, 0, 0, 0, 2)
_TO_PRIOR_WEEKDAY = (-2, 0, 0, 0, 0, 0, -1)


def long_date(day: date) -> str:
    """A date as the agencies' notices write it: ``March 3, 2026``."""
    return f"{MONTHS[day.month - 1]} {day.day}, {day.year}"


def next_weekday(ordinal: int) -> int:
    """The day itself, or the Monday after it for a Saturday or Sunday."""
    return ordinal + _TO_WEEKDAY[ordinal % 7]


def prior_weekday(ordinal: int) -> int:
    """The day itself, or the Friday before it for a Saturday or Sunday."""
    return ordinal + _TO_PRIOR_WEEKDAY[ordinal % 7]


def working_days_later(ordinal: int, days: int) -> int:
    """The day ``days`` working days (Monday to Friday) after ``ordinal``."""
    while days:
        ordinal += 1
        if ordinal % 7 not in (6, 0):
            days -= 1
    return ordinal
