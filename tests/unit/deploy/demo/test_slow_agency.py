"""The demo's slow agency: an interceptor in the SDK server's slot that holds the adapter's
calls, all but Describe, against a real server on a loopback port."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from adapters.sdk import AdapterServer, InMemoryCaseSource, build_servicer
from caseline.v1 import agency_adapter_pb2 as pb
from caseline.v1 import agency_adapter_pb2_grpc as pb_grpc
from deploy.demo.slow_agency import SlowAgency
from support import fake_agency

pytestmark = pytest.mark.integration

LOOKUP = pb.LookupCasesRequest(case_numbers=["FAK000002"])


@dataclass
class GatedSleep:
    """A sleep that records each delay asked for and waits until the test opens the gate."""

    delays: list[float] = field(default_factory=list)
    asked: asyncio.Event = field(default_factory=asyncio.Event)
    gate: asyncio.Event = field(default_factory=asyncio.Event)

    async def __call__(self, delay_s: float) -> None:
        self.delays.append(delay_s)
        self.asked.set()
        await self.gate.wait()


@asynccontextmanager
async def _serve(source: InMemoryCaseSource, jwks: Path,
                 slow: SlowAgency) -> AsyncIterator[grpc.aio.Channel]:
    server = AdapterServer(build_servicer(fake_agency.profile(), source, jwks),
                           interceptors=[slow])
    port = await server.start()
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
            yield channel
    finally:
        await server.stop(0)


async def test_a_lookup_waits_for_the_delay_before_the_adapter_answers(
        fake_source: InMemoryCaseSource, jwks_path: Path) -> None:
    """The call is held at the sleep and answered, unchanged, once the sleep ends."""
    sleep = GatedSleep()
    async with _serve(fake_source, jwks_path, SlowAgency(1.5, sleep)) as channel:
        call = asyncio.ensure_future(
            pb_grpc.AgencyAdapterStub(channel).LookupCases(LOOKUP, timeout=30))
        await asyncio.wait_for(sleep.asked.wait(), 10)
        await asyncio.sleep(0.05)  # time enough for an undelayed answer to arrive
        assert not call.done()
        sleep.gate.set()
        response = await call
        assert sleep.delays == [1.5]
        assert response.results[0].case_info.case_number == "FAK000002"


async def test_describe_and_health_are_answered_at_once(
        fake_source: InMemoryCaseSource, jwks_path: Path) -> None:
    """Describe (so the adapter starts and checks as healthy) and the health service pass
    while the gate stays shut."""
    sleep = GatedSleep()
    async with _serve(fake_source, jwks_path, SlowAgency(3.0, sleep)) as channel:
        described = await pb_grpc.AgencyAdapterStub(channel).Describe(pb.DescribeRequest(),
                                                                       timeout=10)
        health = await health_pb2_grpc.HealthStub(channel).Check(
            health_pb2.HealthCheckRequest(service=""), timeout=10)
        assert described.agency_id == "fake"
        assert health.status == health_pb2.HealthCheckResponse.SERVING
        assert sleep.delays == []


async def test_a_real_delay_holds_a_call_at_least_that_long(
        fake_source: InMemoryCaseSource, jwks_path: Path) -> None:
    """With asyncio's own sleep, a lookup takes no less than the delay."""
    async with _serve(fake_source, jwks_path, SlowAgency(0.3)) as channel:
        stub = pb_grpc.AgencyAdapterStub(channel)
        await stub.Describe(pb.DescribeRequest(), timeout=10)  # connected
        started = time.monotonic()
        await stub.LookupCases(LOOKUP, timeout=10)
        assert time.monotonic() - started >= 0.3


@pytest.mark.parametrize("delay_s", [0.0, -1.0])
def test_a_delay_must_be_positive(delay_s: float) -> None:
    """No delay is no interceptor: a zero or negative one is refused, naming the value."""
    with pytest.raises(ValueError, match=f"delay_s must be positive, got {delay_s}"):
        SlowAgency(delay_s)
