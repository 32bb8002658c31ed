"""The statistics service: inputs checked before any call, the default period, one call per
distinct request (cached an hour, shared while in flight), refusals that never count against
the agency's breaker."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any

import pytest

from aggregator.federation.breaker import BreakerPolicy
from aggregator.federation.fanout import Federation, RetryPolicy
from aggregator.processing.errors import (
    AgencyUnavailableError,
    InvalidStatisticsRequestError,
    UnknownAgencyError,
    UnknownCaseTypeError,
)
from aggregator.processing.statistics import (
    MAX_CASE_TYPE,
    StatisticsService,
    add_months,
    default_period,
    resolve_period,
)
from support.processing_stats import StatisticsAgency

TODAY = date(2026, 11, 22)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _service(agency: StatisticsAgency, clock: Clock | None = None, threshold: int = 3
             ) -> tuple[StatisticsService, Federation]:
    clock = clock or Clock()
    federation = Federation([agency.agency_id], retry=RetryPolicy(attempts=1),
                            breaker=BreakerPolicy(threshold, 60.0), clock=clock)
    service = StatisticsService({agency.agency_id: agency}, federation, timeout_s=2.0,
                                clock=clock, today=lambda: TODAY, max_entries=3)
    return service, federation


def test_months_add_across_years() -> None:
    assert add_months(date(2026, 11, 1), 2) == date(2027, 1, 1)
    assert add_months(date(2026, 1, 1), -1) == date(2025, 12, 1)


def test_the_default_period_is_the_six_complete_months_before_this_one() -> None:
    assert default_period(TODAY) == (date(2026, 5, 1), date(2026, 10, 1))
    assert resolve_period(TODAY, None, date(2026, 3, 15)) == (date(2025, 10, 1),
                                                              date(2026, 3, 1))
    assert resolve_period(TODAY, date(2026, 9, 9), None) == (date(2026, 9, 1),
                                                             date(2026, 10, 1))


@pytest.mark.parametrize(("first", "last", "rule"), [
    (None, date(2026, 12, 1), "AFTER_CURRENT"),
    (date(2026, 8, 1), date(2026, 7, 1), "BACKWARDS"),
    (date(2023, 1, 1), date(2026, 2, 1), "PERIOD_TOO_LONG"),
])
def test_a_bad_period_is_refused_naming_the_problem(first: date | None, last: date,
                                                    rule: str) -> None:
    with pytest.raises(InvalidStatisticsRequestError) as raised:
        resolve_period(TODAY, first, last)
    assert raised.value.rule == rule


def test_inputs_are_checked_before_the_agency_is_asked() -> None:
    agency = StatisticsAgency("immigration")
    service, _ = _service(agency)
    with pytest.raises(InvalidStatisticsRequestError) as raised:
        service.key("immigration", "X" * (MAX_CASE_TYPE + 1))
    assert raised.value.field == "caseType" and raised.value.rule == "TOO_LONG"
    with pytest.raises(InvalidStatisticsRequestError):
        service.key("immigration", "   ")
    with pytest.raises(UnknownAgencyError) as unknown:
        service.key("mars", "I-765")
    assert unknown.value.known == ("immigration",)
    assert agency.calls == []


async def test_answers_are_cached_for_an_hour() -> None:
    agency = StatisticsAgency("immigration")
    clock = Clock()
    service, _ = _service(agency, clock)
    key = service.key("immigration", "I-765")
    first = await service.get(key)
    assert await service.get(key) is first
    clock.now += 3599
    assert await service.get(key) is first and len(agency.calls) == 1
    clock.now += 2
    assert await service.get(key) is not first and len(agency.calls) == 2
    assert agency.calls[0] == ("I-765", None, date(2026, 5, 1), date(2026, 10, 1))


async def test_each_office_and_period_is_its_own_entry_and_the_oldest_go_first() -> None:
    agency = StatisticsAgency("immigration")
    service, _ = _service(agency)
    keys = [service.key("immigration", "I-765", office) for office in ("A", "B", "C", "D")]
    for key in keys:
        await service.get(key)
    await service.get(keys[3])
    assert len(agency.calls) == 4
    await service.get(keys[0])  # forgotten beyond max_entries=3
    assert len(agency.calls) == 5


async def test_concurrent_identical_requests_share_one_call() -> None:
    agency = StatisticsAgency("immigration")
    agency.gate = asyncio.Event()
    service, _ = _service(agency)
    key = service.key("immigration", "I-765")
    waiting = [asyncio.ensure_future(service.get(key)) for _ in range(20)]
    await asyncio.sleep(0)
    agency.gate.set()
    answers = await asyncio.gather(*waiting)
    assert len(agency.calls) == 1 and all(a is answers[0] for a in answers)


async def test_one_reader_giving_up_does_not_cancel_the_shared_call() -> None:
    agency = StatisticsAgency("immigration")
    agency.gate = asyncio.Event()
    service, _ = _service(agency)
    key = service.key("immigration", "I-765")
    impatient = asyncio.ensure_future(service.get(key))
    patient = asyncio.ensure_future(service.get(key))
    await asyncio.sleep(0)
    impatient.cancel()
    agency.gate.set()
    assert (await patient).case_type == "I-765"
    assert len(agency.calls) == 1


async def test_an_unknown_case_type_never_opens_the_agencys_breaker() -> None:
    agency = StatisticsAgency("immigration")
    service, federation = _service(agency, threshold=3)
    for i in range(10):  # distinct types: none answered from the cache
        with pytest.raises(UnknownCaseTypeError) as raised:
            await service.get(service.key("immigration", f"NOPE-{i}"))
        assert raised.value.case_type == f"NOPE-{i}"
    breaker = federation.breakers["immigration"]
    assert breaker.state == "CLOSED" and breaker.consecutive_failures == 0
    assert (await service.get(service.key("immigration", "I-765"))).case_type == "I-765"


async def test_a_refusal_is_remembered_briefly() -> None:
    agency = StatisticsAgency("immigration")
    clock = Clock()
    service, _ = _service(agency, clock)
    key = service.key("immigration", "NOPE")
    for _ in range(3):
        with pytest.raises(UnknownCaseTypeError):
            await service.get(key)
    assert len(agency.calls) == 1
    clock.now += 61
    with pytest.raises(UnknownCaseTypeError):
        await service.get(key)
    assert len(agency.calls) == 2


async def test_an_agency_down_is_unavailable_counts_against_it_and_is_not_cached() -> None:
    agency = StatisticsAgency("immigration")
    agency.fail = "UNAVAILABLE"
    service, federation = _service(agency, threshold=3)
    key = service.key("immigration", "I-765")
    for _ in range(3):
        with pytest.raises(AgencyUnavailableError) as raised:
            await service.get(key)
        assert raised.value.cause == "UNAVAILABLE"
    assert federation.breakers["immigration"].state == "OPEN"
    with pytest.raises(AgencyUnavailableError) as open_breaker:
        await service.get(key)
    assert open_breaker.value.cause == "CIRCUIT_OPEN" and len(agency.calls) == 3


async def test_an_adapter_port_without_the_method_is_unimplemented() -> None:
    class Old:
        agency_id = "old"

    federation = Federation(["old"])
    service = StatisticsService({"old": Old()}, federation,  # type: ignore[dict-item]
                                timeout_s=1.0, today=lambda: TODAY)
    with pytest.raises(AgencyUnavailableError) as raised:
        await service.get(service.key("old", "I-765"))
    assert raised.value.cause == "UNIMPLEMENTED"


async def test_an_answer_that_cannot_be_read_is_the_agencys_failure_not_a_crash(
        caplog: pytest.LogCaptureFixture) -> None:
    class Broken(StatisticsAgency):
        async def processing_statistics(self, case_type: str, office: str | None,
                                        first_month: date, last_month: date,
                                        timeout: float) -> Any:
            raise ValueError("a field out of range")

    service, _ = _service(Broken("immigration"))
    with pytest.raises(AgencyUnavailableError) as raised:
        await service.get(service.key("immigration", "I-765"))
    assert raised.value.cause == "INTERNAL"
    assert "processing statistics unreadable" in caplog.text
