"""What the reference agencies' demo-data generators share: access codes, the working-day
calendar and the way notices write dates.

Days are proleptic Gregorian ordinals (``date.toordinal()``): the generators run millions of
times and do their date arithmetic on ints.
"""

from __future__ import annotations

import random
from datetime import date

__all__ = [
    "ACCESS_CODES",
    "ACCESS_CODE_ALPHABET",
    "MONTHS",
    "access_code",
    "long_date",
    "next_weekday",
    "prior_weekday",
    "random_access_code",
    "working_days_later",
]

# Symbols for a code people type from a printed notice: digits and capitals without those read
# as one another (0/O, 1/I/L) or mistyped for one another (U/V).
ACCESS_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
_BASE = len(ACCESS_CODE_ALPHABET)
_SYMBOLS = 12
ACCESS_CODES = _BASE ** _SYMBOLS  # how many different codes there are
# Pairs of symbols: one lookup per two symbols (seeding makes millions of codes).
_PAIRS = tuple(a + b for a in ACCESS_CODE_ALPHABET for b in ACCESS_CODE_ALPHABET)
_PAIR = len(_PAIRS)

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")

# Days to add to reach a weekday, indexed by ordinal % 7 (Sunday is 0, Saturday is 6).
_TO_WEEKDAY = (1, 0, 0, 0, 0, 0, 2)
_TO_PRIOR_WEEKDAY = (-2, 0, 0, 0, 0, 0, -1)


def access_code(value: int) -> str:
    """Access code number ``value`` (taken modulo ACCESS_CODES) as printed: ``XXXX-XXXX-XXXX``.

    A generator may pass a 60-bit draw (``rng.getrandbits(60)``): one call keeps its random
    stream short, and the reduction makes some codes at most 1.5 times as likely as others,
    which demo data can afford.
    """
    rest, f = divmod(value % ACCESS_CODES, _PAIR)
    rest, e = divmod(rest, _PAIR)
    rest, d = divmod(rest, _PAIR)
    rest, c = divmod(rest, _PAIR)
    a, b = divmod(rest, _PAIR)
    p = _PAIRS
    return f"{p[a]}{p[b]}-{p[c]}{p[d]}-{p[e]}{p[f]}"


def random_access_code(rng: random.Random) -> str:
    """A uniformly random access code: one draw per symbol, first symbol first."""
    value = 0
    for _ in range(_SYMBOLS):
        value = value * _BASE + rng.randrange(_BASE)
    return access_code(value)


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
