"""GetProcessingStatistics requests: checked and resolved to a case type, an office and the
period's months, before any source is asked."""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date

from adapters.sdk.errors import InvalidArgumentError

__all__ = [
    "DEFAULT_MONTHS",
    "MAX_MONTHS",
    "StatisticsRequest",
    "month_after",
    "months_between",
    "resolve_statistics_request",
]

MAX_MONTHS = 36
# USCIS posts processing times over the last six complete months.
DEFAULT_MONTHS = 6
MAX_CASE_TYPE_LENGTH = 64
MAX_OFFICE_LENGTH = 200
_MONTH = re.compile(r"(\d{4})-(0[1-9]|1[0-2])")
_FIRST_YEAR = 1970


@dataclass(frozen=True, slots=True)
class StatisticsRequest:
    """A checked request: the case type, one office or None for all, and the period's
    months ("YYYY-MM"), oldest first."""

    case_type: str
    office: str | None
    months: tuple[str, ...]

    @property
    def first_month(self) -> str:
        """The period's first month."""
        return self.months[0]

    @property
    def last_month(self) -> str:
        """The period's last month."""
        return self.months[-1]


def _index(month: str) -> int:
    return int(month[:4]) * 12 + int(month[5:7]) - 1


def _name(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def month_after(month: str, count: int) -> str:
    """The month ``count`` months after ``month`` (before it when negative)."""
    return _name(_index(month) + count)


def months_between(first: str, last: str) -> tuple[str, ...]:
    """Every month from ``first`` to ``last``, both included."""
    return tuple(_name(i) for i in range(_index(first), _index(last) + 1))


def _month(field: str, raw: str) -> str:
    if len(raw) > 7 or not _MONTH.fullmatch(raw) or int(raw[:4]) < _FIRST_YEAR:
        shown = raw if len(raw) <= 20 else raw[:20] + "…"
        raise InvalidArgumentError(
            field, f"must be a month written YYYY-MM (e.g. 2026-03) from {_FIRST_YEAR} on, "
            f"or empty; got {shown!r}")
    return raw


def resolve_statistics_request(case_type: str, office: str, first_month: str, last_month: str,
                               *, case_types: Collection[str],
                               today: date) -> StatisticsRequest:
    """Check a request's fields (sizes first) and resolve its period.

    Both months empty: the six complete months before ``today``'s month. Only
    ``last_month``: the six months ending with it. Only ``first_month``: from it to the last
    complete month. The period spans at most 36 months and ends no later than ``today``'s
    month. Raises InvalidArgumentError naming the field and what is expected.
    """
    if len(case_type) > MAX_CASE_TYPE_LENGTH:
        raise InvalidArgumentError("case_type", f"at most {MAX_CASE_TYPE_LENGTH} characters, "
                                   f"got {len(case_type)}")
    known = sorted(case_types)
    if not case_type:
        raise InvalidArgumentError("case_type", "required: one of the agency's case types ("
                                   f"{', '.join(known)})")
    if case_type not in case_types:
        raise InvalidArgumentError("case_type", f"unknown case type {case_type!r}; expected one "
                                   f"of {', '.join(known)}")
    if len(office) > MAX_OFFICE_LENGTH:
        raise InvalidArgumentError("office", f"at most {MAX_OFFICE_LENGTH} characters, got "
                                   f"{len(office)}")
    current = f"{today.year:04d}-{today.month:02d}"
    first = _month("first_month", first_month) if first_month else ""
    last = _month("last_month", last_month) if last_month else ""
    if not last:
        last = month_after(current, -1)
        if first and first > last:
            last = first  # only the current month asked for: it, so far
    if not first:
        first = month_after(last, 1 - DEFAULT_MONTHS)
    if last > current:
        raise InvalidArgumentError("last_month", f"must not be after the current month "
                                   f"({current}); got {last}")
    if first > last:
        raise InvalidArgumentError("first_month", f"must not be after last_month ({last}); "
                                   f"got {first}")
    months = months_between(first, last)
    if len(months) > MAX_MONTHS:
        raise InvalidArgumentError("last_month", f"the period may span at most {MAX_MONTHS} "
                                   f"months; {first} to {last} spans {len(months)}")
    return StatisticsRequest(case_type, office.strip() or None, months)
