"""GetProcessingStatistics over real gRPC: the client converts the answer, an unknown case
type (INVALID_ARGUMENT) never counts against the agency's breaker however often it is sent,
an adapter that predates the RPC answers UNIMPLEMENTED, and one that is down does count."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date

import grpc
import pytest

from aggregator.federation.breaker import BreakerPolicy
from aggregator.federation.client import AdapterClient
from aggregator.federation.fanout import Federation, RetryPolicy
from aggregator.processing.errors import AgencyUnavailableError, UnknownCaseTypeError
from aggregator.processing.model import TargetUnit
from aggregator.processing.statistics import StatisticsService
from caseline.v1 import agency_adapter_pb2 as pb
from caseline.v1 import agency_adapter_pb2_grpc as pb_grpc
from caseline.v1 import statistics_pb2 as stats_pb
from support.fakes import refusing_opener

pytestmark = pytest.mark.integration

THRESHOLD = 3
TODAY = date(2026, 11, 22)


class Statistics(pb_grpc.AgencyAdapterServicer):
    """Knows one case type, I-129; remembers what it was asked."""

    def __init__(self) -> None:
        self.requests: list[pb.GetProcessingStatisticsRequest] = []

    async def GetProcessingStatistics(
            self, request: pb.GetProcessingStatisticsRequest,
            context: grpc.aio.ServicerContext[object, object]
            ) -> pb.GetProcessingStatisticsResponse:
        self.requests.append(request)
        if request.case_type != "I-129":
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT,
                                f"unknown case type {request.case_type!r}")
        target = stats_pb.ProcessingTarget(case_type="I-129", days=15,
                                           unit=stats_pb.TARGET_UNIT_BUSINESS_DAYS,
                                           kind=stats_pb.TARGET_KIND_STATUTORY,
                                           source="8 U.S.C. 1356(u)")
        rows = [stats_pb.OfficeStatistics(office="CSC", period=stats_pb.CompletionFigures(
                    suppressed=True)),
                stats_pb.OfficeStatistics(period=stats_pb.CompletionFigures(
                    completed=50, median_days=9, p80_days=13, within_target_share=0.9))]
        return pb.GetProcessingStatisticsResponse(
            target=target, first_month=request.first_month, last_month=request.last_month,
            min_cell_size=10, offices=[r for r in rows if not request.office
                                       or r.office == request.office])


async def _serve(servicer: pb_grpc.AgencyAdapterServicer) -> tuple[grpc.aio.Server, int]:
    server = grpc.aio.server()
    pb_grpc.add_AgencyAdapterServicer_to_server(servicer, server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    return server, port


@pytest.fixture
async def servicer() -> AsyncIterator[tuple[Statistics, AdapterClient]]:
    statistics = Statistics()
    server, port = await _serve(statistics)
    client = AdapterClient("immigration", f"127.0.0.1:{port}", refusing_opener())
    yield statistics, client
    await client.close()
    await server.stop(None)


def _service(client: AdapterClient) -> tuple[StatisticsService, Federation]:
    federation = Federation(["immigration"], retry=RetryPolicy(attempts=1),
                            breaker=BreakerPolicy(THRESHOLD, 60.0))
    return StatisticsService({"immigration": client}, federation, timeout_s=5.0,
                             today=lambda: TODAY), federation


async def test_the_client_sends_the_period_and_reads_the_answer(
        servicer: tuple[Statistics, AdapterClient]) -> None:
    statistics, client = servicer
    read = await client.processing_statistics("I-129", None, date(2026, 5, 1),
                                              date(2026, 10, 1), 5.0)
    (request,) = statistics.requests
    assert (request.first_month, request.last_month, request.office) == ("2026-05",
                                                                         "2026-10", "")
    assert read.agency_id == "immigration" and read.target.unit == TargetUnit.BUSINESS_DAYS
    assert read.row("CSC") is not None and read.row("CSC").period.median_days is None  # type: ignore[union-attr]
    agency = read.row(None)
    assert agency is not None and agency.period.median_days == 9
    one = await client.processing_statistics("I-129", "CSC", date(2026, 5, 1),
                                             date(2026, 10, 1), 5.0)
    assert statistics.requests[-1].office == "CSC" and [o.office for o in one.offices] == [
        "CSC"]


async def test_unknown_case_types_never_open_the_breaker(
        servicer: tuple[Statistics, AdapterClient]) -> None:
    _, client = servicer
    service, federation = _service(client)
    for i in range(THRESHOLD * 3):
        with pytest.raises(UnknownCaseTypeError) as raised:
            await service.get(service.key("immigration", f"I-{i}"))
        assert "unknown case type" in raised.value.detail
    assert federation.breakers["immigration"].state == "CLOSED"
    assert federation.breakers["immigration"].consecutive_failures == 0
    answer = await service.get(service.key("immigration", "I-129"))
    assert answer.target.days == 15


async def test_an_adapter_that_predates_the_rpc_is_unavailable_without_blame() -> None:
    server, port = await _serve(pb_grpc.AgencyAdapterServicer())  # every method UNIMPLEMENTED
    client = AdapterClient("immigration", f"127.0.0.1:{port}", refusing_opener())
    try:
        service, federation = _service(client)
        for _ in range(THRESHOLD + 1):
            with pytest.raises(AgencyUnavailableError) as raised:
                await service.get(service.key("immigration", "I-129", "X"))
            assert raised.value.cause == "UNIMPLEMENTED"
        assert federation.breakers["immigration"].state == "CLOSED"
    finally:
        await client.close()
        await server.stop(None)


async def test_an_agency_that_is_down_counts_against_it() -> None:
    server, port = await _serve(Statistics())
    await server.stop(None)
    client = AdapterClient("immigration", f"127.0.0.1:{port}", refusing_opener())
    try:
        service, federation = _service(client)
        for _ in range(THRESHOLD):
            with pytest.raises(AgencyUnavailableError) as raised:
                await service.get(service.key("immigration", "I-129"))
            assert raised.value.cause == "UNAVAILABLE"
        assert federation.breakers["immigration"].state == "OPEN"
    finally:
        await client.close()
