"""GetProcessingStatistics for a source that offers statistics: check the request, read the
cells, compute the figures, cache the answer.

An answer is cached until the source's ``statistics_version`` for the case type moves or the
UTC day changes (pending ages are whole days), so repeated calls cost one version probe; the
first call after a change costs one read of the summary (histograms bounded by the range of
processing times, not the number of cases) and runs off the event loop.
"""

from __future__ import annotations

import asyncio
import inspect
import threading
from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime

from adapters.sdk.profile import AgencyProfile
from adapters.sdk.source import MaybeAwaitable, StatisticsSource
from adapters.sdk.statistics import (
    DEFAULT_MIN_CELL_SIZE,
    ProcessingAggregates,
    office_statistics,
)
from adapters.sdk.statistics_contract import statistics_response, target_rule
from adapters.sdk.statistics_request import StatisticsRequest, resolve_statistics_request
from caseline.v1 import agency_adapter_pb2 as pb

__all__ = ["CACHED_ANSWERS", "ProcessingStatisticsService"]

# Distinct (case type, office, period) answers kept; the gateway asks a handful per type.
CACHED_ANSWERS = 512

_Key = tuple[str, str | None, tuple[str, ...], str, int]


async def _resolve(value: MaybeAwaitable[int]) -> int:
    if inspect.isawaitable(value):
        return await value
    return value


class ProcessingStatisticsService:
    """Answers GetProcessingStatistics over a :class:`StatisticsSource`.

    ``min_cell_size`` is k: cells with 1 to k-1 cases are withheld. Targets are checked when
    the service is made (a business-day target too long to count stops the adapter at start).
    ``cached_answers`` bounds the cache (0: none, every call computes; benchmarks use it).
    """

    def __init__(self, profile: AgencyProfile, source: StatisticsSource, *,
                 clock: Callable[[], datetime],
                 min_cell_size: int = DEFAULT_MIN_CELL_SIZE,
                 cached_answers: int = CACHED_ANSWERS) -> None:
        if min_cell_size < 1:
            raise ValueError(f"min_cell_size must be 1 or more, got {min_cell_size}")
        self.profile = profile
        self.source = source
        self.clock = clock
        self.min_cell_size = min_cell_size
        self.cached_answers = cached_answers
        self._rules = {code: target_rule(spec)
                       for code, spec in profile.processing_targets.items()}
        self._cache: OrderedDict[_Key, pb.GetProcessingStatisticsResponse] = OrderedDict()
        self._lock = threading.Lock()

    async def answer(self, request: pb.GetProcessingStatisticsRequest
                     ) -> pb.GetProcessingStatisticsResponse:
        """The answer to ``request``; InvalidArgumentError for a malformed one."""
        now = self.clock()
        today = now.date()
        checked = resolve_statistics_request(
            request.case_type, request.office, request.first_month, request.last_month,
            case_types=self.profile.case_types, today=today)
        version = await _resolve(self.source.statistics_version(checked.case_type))
        key: _Key = (checked.case_type, checked.office, checked.months, today.isoformat(),
                     version)
        with self._lock:
            cached = self._cache.get(key)
            if cached is not None:
                self._cache.move_to_end(key)
                return cached
        if inspect.iscoroutinefunction(self.source.processing_aggregates):
            aggregates = await self.source.processing_aggregates(
                checked.case_type, checked.months, checked.office, today)
            response = self._compute(checked, aggregates, now)
        else:
            # Reading and merging histograms takes tens of milliseconds at millions of cases:
            # not on the event loop, where every other call waits.
            response = await asyncio.to_thread(self._read_and_compute, checked, now)
        with self._lock:
            self._cache[key] = response
            while len(self._cache) > self.cached_answers:
                self._cache.popitem(last=False)
        return response

    def _read_and_compute(self, checked: StatisticsRequest, now: datetime
                          ) -> pb.GetProcessingStatisticsResponse:
        aggregates = self.source.processing_aggregates(
            checked.case_type, checked.months, checked.office, now.date())
        assert not inspect.isawaitable(aggregates)  # a synchronous source, checked above
        return self._compute(checked, aggregates, now)

    def _compute(self, checked: StatisticsRequest, aggregates: ProcessingAggregates,
                 now: datetime) -> pb.GetProcessingStatisticsResponse:
        rows = office_statistics(aggregates, checked.months, office=checked.office,
                                 k=self.min_cell_size,
                                 target=self._rules.get(checked.case_type))
        return statistics_response(
            rows, case_type=checked.case_type,
            target=self.profile.processing_targets.get(checked.case_type),
            first_month=checked.first_month, last_month=checked.last_month,
            min_cell_size=self.min_cell_size, computed_at=now)
