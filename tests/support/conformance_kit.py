"""Serving an adapter for the conformance kit and collecting what the kit says of it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from adapters.conformance import CheckResult, ConsentSigner, run_checks
from adapters.reference.catalog import profile
from adapters.reference.demo_store import DemoStore
from adapters.sdk import AdapterServer, AdapterServicer, build_servicer


@asynccontextmanager
async def serving(servicer: AdapterServicer) -> AsyncIterator[str]:
    """The address of ``servicer`` served on a loopback port, while the block runs."""
    server = AdapterServer(servicer)
    port = await server.start()
    try:
        yield f"127.0.0.1:{port}"
    finally:
        await server.stop(0)


async def checked(kind: type[AdapterServicer], agency_id: str, stores: dict[str, Path],
                  signer: ConsentSigner | None) -> list[CheckResult]:
    """Every check's result for an adapter served by ``kind`` over the agency's store (the
    stores and JWKS of tests/conformance/conftest.py)."""
    base = build_servicer(profile(agency_id), DemoStore(stores[agency_id]),
                          stores[agency_id].parent / "jwks.json")
    servicer = kind(base.profile, base.source, base.table, base.verifier, base.sealer)
    async with serving(servicer) as address:
        return await run_checks(address, signer=signer)


async def failed_checks(kind: type[AdapterServicer], agency_id: str, stores: dict[str, Path],
                        signer: ConsentSigner | None = None) -> list[CheckResult]:
    """The checks an adapter served by ``kind`` over the agency's store fails."""
    return [r for r in await checked(kind, agency_id, stores, signer) if not r.passed]
