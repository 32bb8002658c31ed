"""The gateway (GraphQL and pages) in-process over real reference adapters on loopback ports."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx

from adapters.reference.catalog import profile
from adapters.sdk import AdapterServer, AdapterServicer, ConsentTokenVerifier, MappingTable
from adapters.sdk.sealing import CaseSealer, CustodianKeys
from aggregator.bootstrap import bootstrap, consent_issuer
from aggregator.state import StatePaths
from aggregator.vault.key_files import load_or_create_ed25519
from deploy.processes.launcher import registry_with
from gateway.app import GatewaySettings, create_app
from gateway.auth import TokenVerifier
from support.reference_adapter import seeded_store


@asynccontextmanager
async def gateway_over(tmp_path: Path, servicers: Mapping[str, type[AdapterServicer]]
                       ) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the gateway over each named reference agency (5 seeded cases), its
    adapter served by the given servicer class (AdapterServicer, or a test's variant)."""
    paths = StatePaths(tmp_path)
    consent_issuer(paths)  # the adapters read the consent keys the gateway will sign with
    servers = {}
    for agency, kind in servicers.items():
        agency_profile = profile(agency)
        servers[agency] = AdapterServer(kind(
            agency_profile, seeded_store(tmp_path, agency, cases=5),
            MappingTable.load(agency_profile.mapping_path),
            ConsentTokenVerifier(agency, paths.jwks),
            CaseSealer(agency, CustodianKeys(paths.jwks))))
    ports = {agency: await server.start() for agency, server in servers.items()}
    service = bootstrap(registry_with(ports), tmp_path)
    key = load_or_create_ed25519(tmp_path / "issuer.pem")
    app = create_app(service, TokenVerifier(key.public_key()), GatewaySettings())
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                     base_url="http://127.0.0.1") as client:
            yield client
    finally:
        await service.close()
        for server in servers.values():
            await server.stop(0)


async def graphql_data(client: httpx.AsyncClient, query: str,
                       **variables: Any) -> dict[str, Any]:
    """The ``data`` of a query that must succeed without errors."""
    response = await client.post("/graphql", json={"query": query, "variables": variables})
    body = response.json()
    assert response.status_code == 200 and "errors" not in body, body
    data: dict[str, Any] = body["data"]
    return data
