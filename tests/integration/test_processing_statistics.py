"""GetProcessingStatistics over gRPC: a reference adapter on a loopback port answers from its
demo store's summary, the figures equal a brute force over every case, a recorded event
shows at once, and a source without statistics says it does not offer them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from adapters.reference.catalog import profile
from adapters.reference.demo_store import DemoStore, reference_classifier
from adapters.sdk import (
    AdapterServer,
    AdapterServicer,
    ConsentTokenVerifier,
    InMemoryCaseSource,
    MappingTable,
)
from adapters.sdk.records import CaseRecord, EventRecord
from adapters.sdk.sealing import CaseSealer, CustodianKeys
from adapters.sdk.statistics_request import months_between
from caseline.v1 import agency_adapter_pb2 as pb
from caseline.v1 import agency_adapter_pb2_grpc as pb_grpc
from caseline.v1 import vocabulary_pb2
from support.reference_adapter import TODAY, reference_stub, seeded_store

pytestmark = pytest.mark.integration

NOW = datetime.combine(TODAY + timedelta(days=2), datetime.min.time(), UTC)
PERIOD = months_between("2026-05", "2026-10")


def _all_cases(store: DemoStore) -> Iterator[CaseRecord]:
    numbers = [row[0] for row in store._conn().execute("SELECT number FROM cases")]
    for i in range(0, len(numbers), 500):
        yield from store.find_cases(numbers[i:i + 500], with_history=True).values()


def _brute_completions(store: DemoStore, case_type: str) -> dict[tuple[str, str], list[int]]:
    """(office, month) -> processing days of each completed case, every case read whole."""
    classifier = reference_classifier("labor")
    assert classifier is not None
    cells: dict[tuple[str, str], list[int]] = {}
    for case in _all_cases(store):
        if case.case_type != case_type:
            continue
        done = next((e for e in case.events
                     if classifier.classify(case_type, e.code).completes), None)
        if done is None:
            continue
        opened = min(e.occurred_at for e in case.events).date()
        month = done.occurred_at.strftime("%Y-%m")
        if month in PERIOD:
            cells.setdefault((case.office, month), []).append(
                (done.occurred_at.date() - opened).days)
    return cells


async def test_reference_adapter_answers_as_a_brute_force_would(
        tmp_path: Path, jwks_path: Path) -> None:
    store = seeded_store(tmp_path, "labor", cases=3000)
    async with reference_stub("labor", store, jwks_path, clock=lambda: NOW) as stub:
        describe = await stub.Describe(pb.DescribeRequest())
        assert "GetProcessingStatistics" not in describe.not_offered_methods
        # The agency's calendar, which legal deadlines count in (a US federal agency).
        assert describe.time_zone == "America/New_York"
        answer = await stub.GetProcessingStatistics(pb.GetProcessingStatisticsRequest(
            case_type="LCA", first_month=PERIOD[0], last_month=PERIOD[-1]))
    cells = _brute_completions(store, "LCA")
    published = sorted(d for days in cells.values() if len(days) >= 10 for d in days)
    withheld = sum(1 for days in cells.values() if 0 < len(days) < 10)
    agency = answer.offices[-1]
    assert agency.office == "" and answer.min_cell_size == 10
    assert (answer.first_month, answer.last_month) == (PERIOD[0], PERIOD[-1])
    assert agency.period.completed == len(published) > 0
    n = len(published)
    assert agency.period.median_days == published[-(-n // 2) - 1]
    assert agency.period.p80_days == published[-(-8 * n // 10) - 1]
    assert agency.period.withheld_cells == withheld
    assert [m.month for m in agency.months] == list(PERIOD)
    assert answer.target.case_type == "LCA"


async def test_a_recorded_event_shows_in_the_next_answer(tmp_path: Path,
                                                        jwks_path: Path) -> None:
    """The answer is cached, but the summary's version moves with each event: a pending
    case approved now leaves its milestone's count and completes this month."""
    store = seeded_store(tmp_path, "labor", cases=3000)
    request = pb.GetProcessingStatisticsRequest(case_type="PERM", first_month="2026-12")
    async with reference_stub("labor", store, jwks_path, clock=lambda: NOW) as stub:
        before = await stub.GetProcessingStatistics(request)
        again = await stub.GetProcessingStatistics(request)
        assert again.computed_at == before.computed_at  # from the cache
        pending = {p.milestone: p.count for p in before.offices[-1].pending}
        milestone = max(pending, key=lambda m: pending[m])
        name = vocabulary_pb2.Milestone.Name(milestone).removeprefix("MILESTONE_")
        classifier = reference_classifier("labor")
        assert classifier is not None
        number = next(c.number for c in _all_cases(store) if c.case_type == "PERM"
                      and classifier.classify("PERM", c.events[-1].code).milestone == name
                      and not classifier.classify("PERM", c.events[-1].code).completes)
        store.append_event(number, EventRecord(NOW, "Certified", "certified"))
        after = await stub.GetProcessingStatistics(request)
    assert {p.milestone: p.count for p in after.offices[-1].pending}[milestone] == \
        pending[milestone] - 1


async def test_bad_requests_name_the_field(tmp_path: Path, jwks_path: Path) -> None:
    store = seeded_store(tmp_path, "immigration", cases=50)
    async with reference_stub("immigration", store, jwks_path, clock=lambda: NOW) as stub:
        for request, field in (
                (pb.GetProcessingStatisticsRequest(), "case_type"),
                (pb.GetProcessingStatisticsRequest(case_type="I-999"), "case_type"),
                (pb.GetProcessingStatisticsRequest(case_type="I-130", first_month="2026-1"),
                 "first_month"),
                (pb.GetProcessingStatisticsRequest(case_type="I-130", last_month="2027-01"),
                 "last_month")):
            with pytest.raises(grpc.aio.AioRpcError) as caught:
                await stub.GetProcessingStatistics(request)
            assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
            status = rpc_status.from_call(caught.value)  # type: ignore[arg-type]
            assert status is not None
            bad = error_details_pb2.BadRequest()
            assert any(d.Unpack(bad) for d in status.details)
            assert bad.field_violations[0].field == field


async def test_a_source_without_statistics_does_not_offer_them(jwks_path: Path) -> None:
    agency = profile("immigration")
    servicer = AdapterServicer(agency, InMemoryCaseSource(),
                               MappingTable.load(agency.mapping_path),
                               ConsentTokenVerifier("immigration", jwks_path),
                               CaseSealer("immigration", CustodianKeys(jwks_path)))
    server = AdapterServer(servicer)
    await server.start()
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{server.port}") as channel:
            stub = pb_grpc.AgencyAdapterStub(channel)
            describe = await stub.Describe(pb.DescribeRequest())
            assert list(describe.not_offered_methods) == ["GetProcessingStatistics"]
            with pytest.raises(grpc.aio.AioRpcError) as caught:
                await stub.GetProcessingStatistics(
                    pb.GetProcessingStatisticsRequest(case_type="I-130"))
            assert caught.value.code() == grpc.StatusCode.UNIMPLEMENTED
    finally:
        await server.stop(0)



async def test_overlapping_answers_reveal_no_withheld_cell(tmp_path: Path,
                                                         jwks_path: Path) -> None:
    """Courts' many small cells: a quarter's completions are exactly its months' (each asked
    alone), and the agency's the sum of its offices', so no difference between answers
    counts a withheld case."""
    store = seeded_store(tmp_path, "courts", cases=3000)
    quarter = ("2026-07", "2026-08", "2026-09")
    async with reference_stub("courts", store, jwks_path, clock=lambda: NOW) as stub:
        whole = await stub.GetProcessingStatistics(pb.GetProcessingStatisticsRequest(
            case_type="REMOVAL", first_month=quarter[0], last_month=quarter[-1]))
        months = [await stub.GetProcessingStatistics(pb.GetProcessingStatisticsRequest(
            case_type="REMOVAL", first_month=m, last_month=m)) for m in quarter]
        one = await stub.GetProcessingStatistics(pb.GetProcessingStatisticsRequest(
            case_type="REMOVAL", office=whole.offices[0].office, first_month=quarter[0],
            last_month=quarter[-1]))
    assert sum(r.period.withheld_cells for r in whole.offices[:-1]) > 0  # small cells exist
    for row in whole.offices:
        assert row.period.completed == sum(
            r.period.completed for answer in months for r in answer.offices
            if r.office == row.office)
    agency = whole.offices[-1]
    assert agency.period.completed == sum(r.period.completed for r in whole.offices[:-1])
    for i in range(3):
        assert agency.months[i].figures.completed == sum(
            r.months[i].figures.completed for r in whole.offices[:-1])
    assert list(one.offices) == [whole.offices[0]]
