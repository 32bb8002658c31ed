"""A reference agency's adapter over a freshly seeded demo store, on a loopback port."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime
from pathlib import Path

import grpc

from adapters.reference.catalog import profile
from adapters.reference.demo_store import DemoStore
from adapters.reference.seed import seed_store
from adapters.sdk import AdapterServer, AdapterServicer, ConsentTokenVerifier, MappingTable
from adapters.sdk.sealing import CaseSealer, CustodianKeys
from caseline.v1 import agency_adapter_pb2_grpc as pb_grpc

TODAY = date(2026, 11, 30)


def seeded_store(tmp_path: Path, agency: str, cases: int = 20) -> DemoStore:
    """The agency's personas plus ``cases`` generated cases, as the demo seeds them."""
    path = tmp_path / f"{agency}.sqlite"
    seed_store(path, agency, cases=cases, seed=7, today=TODAY, progress=False)
    return DemoStore(path)


@asynccontextmanager
async def reference_stub(agency: str, store: DemoStore, jwks_path: Path, *,
                         clock: Callable[[], datetime] = lambda: datetime.now(UTC)
                         ) -> AsyncIterator[pb_grpc.AgencyAdapterStub]:
    """A stub connected to a real adapter server for ``agency`` over ``store``."""
    agency_profile = profile(agency)
    servicer = AdapterServicer(
        agency_profile, store, MappingTable.load(agency_profile.mapping_path),
        ConsentTokenVerifier(agency, jwks_path),
        CaseSealer(agency, CustodianKeys(jwks_path)), clock=clock)
    server = AdapterServer(servicer)
    await server.start()
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{server.port}") as channel:
            yield pb_grpc.AgencyAdapterStub(channel)
    finally:
        await server.stop(0)
