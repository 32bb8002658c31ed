"""Issue 12 item 10: a public lookup's opened_at is the case's opening, not its last change.

The reference store answers public lookups with the latest event only; the SDK used to take
``opened_at`` from that event, so it equalled ``updated_at``.
"""

from __future__ import annotations

from pathlib import Path

import grpc
import pytest

from adapters.reference.catalog import synthetic
from adapters.sdk import AdapterServer, InMemoryCaseSource, build_servicer
from caseline.v1 import agency_adapter_pb2 as pb
from caseline.v1 import agency_adapter_pb2_grpc as pb_grpc
from support import fake_agency
from support.reference_adapter import TODAY, reference_stub, seeded_store

pytestmark = pytest.mark.integration


@pytest.mark.parametrize(("agency", "number"), [
    ("immigration", "IOE0990000012"),  # raj's I-485: received, biometrics, interview
    ("courts", "A201555123"),  # ana's removal case: two years of hearings
    ("labor", "G-100-24218-604417"),  # raj's PERM
])
async def test_public_lookup_reports_the_first_events_time(
        tmp_path: Path, jwks_path: Path, agency: str, number: str) -> None:
    """Over a real adapter on a seeded store: opened_at is the first event's time, the same
    the subject's full read reports, and not updated_at."""
    records = [r for rs in synthetic(agency).persona_cases(TODAY).values() for r in rs]
    record = next(r for r in records if r.number == number)
    assert len(record.events) > 1
    store = seeded_store(tmp_path, agency)
    async with reference_stub(agency, store, jwks_path) as stub:
        response = await stub.LookupCases(pb.LookupCasesRequest(case_numbers=[number]))
    info = response.results[0].case_info
    assert info.opened_at.ToDatetime().timestamp() == record.events[0].occurred_at.timestamp()
    assert info.updated_at.ToDatetime().timestamp() == record.events[-1].occurred_at.timestamp()
    assert info.opened_at != info.updated_at


async def test_in_memory_source_keeps_the_opening_time_too(jwks_path: Path) -> None:
    """The SDK's own test double answers lookups as a real source must."""
    case = fake_agency.case("FAK000003", ["Case Was Received", "Request For Evidence Was Sent",
                                          "Case Was Approved"])
    server = AdapterServer(build_servicer(fake_agency.profile(), InMemoryCaseSource([case]),
                                          jwks_path))
    await server.start()
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{server.port}") as channel:
            response = await pb_grpc.AgencyAdapterStub(channel).LookupCases(
                pb.LookupCasesRequest(case_numbers=["FAK000003"]))
    finally:
        await server.stop(0)
    info = response.results[0].case_info
    assert info.opened_at.ToDatetime().timestamp() == case.events[0].occurred_at.timestamp()
    assert info.opened_at != info.updated_at
