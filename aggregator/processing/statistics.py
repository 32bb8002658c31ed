"""Processing statistics from the agencies, cached: they change slowly (an agency computes
them over whole months), so one answer serves every reader for an hour, and concurrent
identical requests share one call.

Inputs are checked (sizes first) before any agency is asked; the period defaults to the six
complete months before the current one (UTC), as USCIS posts its processing times, and is
always sent explicitly so that the cache key says which months an answer covers.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import partial

from aggregator.federation.fanout import AgencyCallError, Federation
from aggregator.model import AgencyFailure
from aggregator.ports import AdapterPort
from aggregator.processing.errors import (
    AgencyUnavailableError,
    InvalidStatisticsRequestError,
    UnknownAgencyError,
    UnknownCaseTypeError,
)
from aggregator.processing.model import AgencyStatistics

__all__ = [
    "DEFAULT_MONTHS",
    "MAX_AGENCY_ID",
    "MAX_CASE_TYPE",
    "MAX_MONTHS",
    "MAX_OFFICE",
    "StatisticsKey",
    "StatisticsService",
    "add_months",
    "default_period",
    "resolve_period",
]

MAX_AGENCY_ID = 64
MAX_CASE_TYPE = 32
MAX_OFFICE = 120
DEFAULT_MONTHS = 6
MAX_MONTHS = 37  # the contract: the last month at most 36 months after the first
FRESH_S = 3600.0
# A refusal (unknown case type) or an adapter without the RPC is remembered briefly, so
# that every timeline read does not ask again; outages are the breaker's business.
REFUSAL_FRESH_S = 60.0
_REMEMBERED_REFUSALS = frozenset({"INVALID_ARGUMENT", "UNIMPLEMENTED"})
MAX_ENTRIES = 4096

log = logging.getLogger("caseline.statistics")


@dataclass(frozen=True, slots=True)
class StatisticsKey:
    """What one cached answer covers (``office`` None: every office and the agency)."""

    agency_id: str
    case_type: str
    office: str | None
    first_month: date
    last_month: date


def add_months(month: date, count: int) -> date:
    """The first day of the month ``count`` months after ``month``'s (negative: before)."""
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def default_period(today: date) -> tuple[date, date]:
    """The six complete months before ``today``'s month, as first days."""
    last = add_months(today.replace(day=1), -1)
    return add_months(last, 1 - DEFAULT_MONTHS), last


def resolve_period(today: date, first_month: date | None,
                   last_month: date | None) -> tuple[date, date]:
    """The months asked for as first days, defaults filled in; InvalidStatisticsRequestError
    for a period that ends after the current month, runs backwards or is too long."""
    current = today.replace(day=1)
    default_first, default_last = default_period(today)
    last = last_month.replace(day=1) if last_month else default_last
    if first_month is not None:
        first = first_month.replace(day=1)
    else:
        first = add_months(last, 1 - DEFAULT_MONTHS) if last_month else default_first
    if last > current:
        raise InvalidStatisticsRequestError(
            "lastMonth", f"{last:%Y-%m} is after the current month {current:%Y-%m}",
            "AFTER_CURRENT", month=f"{last:%Y-%m}", current=f"{current:%Y-%m}")
    if first > last:
        raise InvalidStatisticsRequestError(
            "firstMonth", f"{first:%Y-%m} is after the last month {last:%Y-%m}", "BACKWARDS",
            first=f"{first:%Y-%m}", last=f"{last:%Y-%m}")
    if add_months(first, MAX_MONTHS - 1) < last:
        raise InvalidStatisticsRequestError(
            "lastMonth", f"a period spans at most {MAX_MONTHS} months; "
                         f"{first:%Y-%m} to {last:%Y-%m} is longer", "PERIOD_TOO_LONG",
            limit=MAX_MONTHS, first=f"{first:%Y-%m}", last=f"{last:%Y-%m}")
    return first, last


def _check_text(field: str, value: str, limit: int, *, required: bool) -> str:
    if len(value) > limit:
        raise InvalidStatisticsRequestError(field, f"at most {limit} characters, "
                                                   f"got {len(value)}", "TOO_LONG",
                                            limit=limit, length=len(value))
    value = value.strip()
    if required and not value:
        raise InvalidStatisticsRequestError(field, "must not be empty", "EMPTY")
    if not value.isprintable():
        raise InvalidStatisticsRequestError(field, "must be printable text", "NOT_PRINTABLE")
    return value


@dataclass(frozen=True, slots=True)
class _Entry:
    answer: AgencyStatistics | AgencyFailure
    expires: float


class StatisticsService:
    """Agencies' processing statistics with an LRU cache (``fresh_s``) and one call per
    distinct request in flight."""

    def __init__(self, adapters: Mapping[str, AdapterPort], federation: Federation, *,
                 timeout_s: float, fresh_s: float = FRESH_S,
                 refusal_fresh_s: float = REFUSAL_FRESH_S, max_entries: int = MAX_ENTRIES,
                 clock: Callable[[], float] = time.monotonic,
                 today: Callable[[], date] = lambda: datetime.now(UTC).date()) -> None:
        self._adapters = adapters
        self._federation = federation
        self._timeout_s = timeout_s
        self._fresh_s = fresh_s
        self._refusal_fresh_s = refusal_fresh_s
        self._max_entries = max_entries
        self._clock = clock
        self.today = today
        self._cache: OrderedDict[StatisticsKey, _Entry] = OrderedDict()
        self._in_flight: dict[StatisticsKey, asyncio.Task[AgencyStatistics | AgencyFailure]] = {}
        self.calls = 0  # agency calls made, for tests and benchmarks

    def key(self, agency_id: str, case_type: str, office: str | None = None, *,
            first_month: date | None = None, last_month: date | None = None) -> StatisticsKey:
        """The checked request (sizes first); raises the errors of :meth:`get`'s input."""
        agency_id = _check_text("agency", agency_id, MAX_AGENCY_ID, required=True)
        case_type = _check_text("caseType", case_type, MAX_CASE_TYPE, required=True)
        if office is not None:
            office = _check_text("office", office, MAX_OFFICE, required=False) or None
        if agency_id not in self._adapters:
            raise UnknownAgencyError(agency_id, self._adapters)
        first, last = resolve_period(self.today(), first_month, last_month)
        return StatisticsKey(agency_id, case_type, office, first, last)

    async def get(self, key: StatisticsKey) -> AgencyStatistics:
        """The figures for ``key`` (see :meth:`key`): cached, else asked once however many
        ask at the same time. UnknownCaseTypeError when the agency does not know the case
        type, AgencyUnavailableError when it could not answer."""
        answer = self._cached(key)
        if answer is None:
            task = self._in_flight.get(key)
            if task is None:
                task = asyncio.get_running_loop().create_task(self._fetch(key))
                self._in_flight[key] = task
                task.add_done_callback(lambda _: self._in_flight.pop(key, None))
            # One reader going away must not cancel the call the others wait for.
            answer = await asyncio.shield(task)
        if isinstance(answer, AgencyFailure):
            if answer.code == "INVALID_ARGUMENT":
                raise UnknownCaseTypeError(key.agency_id, key.case_type, answer.message)
            raise AgencyUnavailableError(key.agency_id, answer.code)
        return answer

    def _cached(self, key: StatisticsKey) -> AgencyStatistics | AgencyFailure | None:
        entry = self._cache.get(key)
        if entry is None:
            return None
        if entry.expires <= self._clock():
            del self._cache[key]
            return None
        self._cache.move_to_end(key)
        return entry.answer

    async def _fetch(self, key: StatisticsKey) -> AgencyStatistics | AgencyFailure:
        adapter = self._adapters[key.agency_id]
        if not hasattr(adapter, "processing_statistics"):  # a port that predates the RPC
            answer: AgencyStatistics | AgencyFailure = AgencyFailure(
                key.agency_id, "UNIMPLEMENTED", "no processing statistics")
        else:
            self.calls += 1
            answer = await self._federation.call(
                key.agency_id, partial(_read, adapter, key),
                self._federation.deadline_after(self._timeout_s))
        if isinstance(answer, AgencyStatistics):
            self._remember(key, answer, self._fresh_s)
        elif answer.code in _REMEMBERED_REFUSALS:
            self._remember(key, answer, self._refusal_fresh_s)
        return answer

    def _remember(self, key: StatisticsKey, answer: AgencyStatistics | AgencyFailure,
                  fresh_s: float) -> None:
        self._cache[key] = _Entry(answer, self._clock() + fresh_s)
        self._cache.move_to_end(key)
        while len(self._cache) > self._max_entries:
            self._cache.popitem(last=False)



async def _read(adapter: AdapterPort, key: StatisticsKey, timeout: float) -> AgencyStatistics:
    try:
        return await adapter.processing_statistics(key.case_type, key.office, key.first_month,
                                                   key.last_month, timeout)
    except AgencyCallError:
        raise
    except Exception as exc:
        # An answer we cannot read is the agency's failure (its breaker counts it), never a
        # crash of the reader's request.
        log.exception("processing statistics unreadable",
                      extra={"agency": key.agency_id, "case_type": key.case_type})
        raise AgencyCallError("INTERNAL", f"unreadable statistics: {exc!r}") from exc
