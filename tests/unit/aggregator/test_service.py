"""The service's statistics and estimates entry points (the rest of the service is tested
through the gateway and the integration tests)."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import date

import pytest

from aggregator.notify.stopping import TasksDidNotStop
from aggregator.processing.errors import InvalidStatisticsRequestError, UnknownAgencyError
from aggregator.service import CaselineService
from support.fakes import FakeLedger, FixedClock, fake_service
from support.processing_gateway import CONFIG, NOW, PENDING, CasesAgency, case

TODAY = NOW.date()


def _world() -> tuple[CasesAgency, CasesAgency, CaselineService]:
    immigration = CasesAgency("immigration", [], known_types=("I-765", "I-130"))
    labor = CasesAgency("labor", [], known_types=("PERM",))
    service = fake_service(CONFIG, {"immigration": immigration, "labor": labor},
                           clock=FixedClock(NOW))
    return immigration, labor, service


async def test_statistics_are_fetched_at_once_one_per_agency_and_case_type() -> None:
    immigration, labor, service = _world()
    gate = asyncio.Event()
    immigration.gate = labor.gate = gate
    cases = [case("immigration", "IOE1", "I-765", PENDING, "NBC"),
             case("immigration", "IOE2", "I-765", PENDING, "CSC"),
             case("immigration", "IOE3", "I-130", PENDING, "NBC"),
             case("labor", "G-1", "PERM", PENDING, "")]
    running = asyncio.ensure_future(service.estimates_for(cases, (), TODAY))
    for _ in range(100):  # until every request is out, or it never will be
        if len(immigration.calls) + len(labor.calls) == 3:
            break
        await asyncio.sleep(0)
    # Every request is out before any is answered.
    assert sorted(c[0] for c in immigration.calls) == ["I-130", "I-765"]
    assert [c[0] for c in labor.calls] == ["PERM"]
    assert all(c[1] is None for c in immigration.calls)  # every office's row in one answer
    gate.set()
    estimates = await running
    assert set(estimates) == {("immigration", "IOE1"), ("immigration", "IOE2"),
                              ("immigration", "IOE3"), ("labor", "G-1")}
    # Received 2026-03-02; the fake's agency-wide median is 90 days.
    assert estimates[("labor", "G-1")].typical_by == date(2026, 5, 31)
    await service.close()


async def test_unknown_agencies_and_bad_periods_are_refused_by_name() -> None:
    _, _, service = _world()
    with pytest.raises(UnknownAgencyError):
        await service.processing_statistics("mars", "I-765")
    with pytest.raises(InvalidStatisticsRequestError) as raised:
        await service.processing_statistics(
            "immigration", "I-765", first_month=date(2026, 9, 1), last_month=date(2026, 8, 1))
    assert raised.value.rule == "BACKWARDS"
    await service.close()


class _StuckRunner:
    """Background work that would not stop."""

    async def start(self) -> None:
        pass

    async def stop(self) -> None:
        raise TasksDidNotStop("1 task(s) still running 10 s after being cancelled: match")


async def test_closing_still_closes_the_ledger_when_background_work_would_not_stop() -> None:
    """The ledger finishes its queued appends on close: a stuck task must not skip it."""
    ledger = FakeLedger()
    service = fake_service(CONFIG, {}, ledger=ledger, clock=FixedClock(NOW))
    assert service.notify is not None
    service.notify = dataclasses.replace(service.notify, runner=_StuckRunner())
    with pytest.raises(TasksDidNotStop):
        await service.close()
    assert not ledger.accepting
