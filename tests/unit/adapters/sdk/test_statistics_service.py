"""The statistics service: answers cached until the source's version moves, asynchronous
sources awaited, k checked."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime

import pytest

from adapters.reference.catalog import profile
from adapters.sdk.statistics import CompletionCell, ProcessingAggregates
from adapters.sdk.statistics_service import ProcessingStatisticsService
from caseline.v1 import agency_adapter_pb2 as pb

NOW = datetime(2026, 11, 15, 12, tzinfo=UTC)


class CountingSource:
    """An asynchronous statistics source that counts its reads."""

    def __init__(self) -> None:
        self.version = 1
        self.reads = 0
        self.cases = 12

    async def processing_aggregates(self, case_type: str, months: Sequence[str],
                                    office: str | None, today: date) -> ProcessingAggregates:
        self.reads += 1
        return ProcessingAggregates((CompletionCell("Office", months[-1],
                                                    ((30, 20, self.cases),)),), ())

    async def statistics_version(self, case_type: str) -> int:
        return self.version


async def test_cached_until_the_version_moves() -> None:
    source = CountingSource()
    service = ProcessingStatisticsService(profile("immigration"), source, clock=lambda: NOW)
    request = pb.GetProcessingStatisticsRequest(case_type="I-130")
    first = await service.answer(request)
    assert (await service.answer(request)) is first and source.reads == 1
    source.version, source.cases = 2, 14
    again = await service.answer(request)
    assert source.reads == 2 and again.offices[-1].period.completed == 14
    assert (first.first_month, first.last_month) == ("2026-05", "2026-10")


async def test_without_a_cache_every_call_reads() -> None:
    source = CountingSource()
    service = ProcessingStatisticsService(profile("immigration"), source, clock=lambda: NOW,
                                          cached_answers=0)
    for _ in range(3):
        await service.answer(pb.GetProcessingStatisticsRequest(case_type="I-130"))
    assert source.reads == 3


def test_k_must_be_positive() -> None:
    with pytest.raises(ValueError, match="min_cell_size"):
        ProcessingStatisticsService(profile("immigration"), CountingSource(),
                                    clock=lambda: NOW, min_cell_size=0)
