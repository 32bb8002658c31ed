"""The in-process gateway over a real courts reference adapter in its own process, with a
fresh aggregator state and a bearer token per persona (for tests of links and consents)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import httpx

from adapters.reference.seed import seed_store
from aggregator.bootstrap import bootstrap, consent_issuer
from aggregator.service import CaselineService
from aggregator.state import StatePaths
from aggregator.vault.key_files import load_or_create_ed25519
from deploy.demo.personas import PERSONAS
from deploy.processes.launcher import registry_with, start_adapter, stop_adapters
from gateway.app import GatewaySettings, create_app
from gateway.auth import DevIssuer, TokenVerifier
from gateway.ratelimit import RatePolicy

__all__ = ["TODAY", "CourtsGateway", "courts_gateway", "seed_courts"]

TODAY = date(2026, 11, 1)


def seed_courts(path: Path) -> Path:
    """A small seeded courts store (the personas' cases included) at ``path``."""
    seed_store(path, "courts", cases=20, seed=7, today=TODAY, progress=False)
    return path


@dataclass
class CourtsGateway:
    """The gateway's service, an HTTP client bound to it and the courts store file."""

    service: CaselineService
    client: httpx.AsyncClient
    tokens: dict[str, str]
    store_path: Path

    async def ask(self, who: str, query: str, language: str = "en",
                  **variables: Any) -> dict[str, Any]:
        """POST one GraphQL operation as ``who``; the decoded body (HTTP 200 expected)."""
        response = await self.client.post(
            "/graphql", json={"query": query, "variables": variables},
            headers={"Authorization": f"Bearer {self.tokens[who]}",
                     "Accept-Language": language})
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body


@asynccontextmanager
async def courts_gateway(seeded: Path, state: Path,
                         personas: Sequence[str] = ("ana", "raj", "lee")
                         ) -> AsyncIterator[CourtsGateway]:
    """Copy the seeded store into ``state`` (tests may change it), start the courts adapter
    on a loopback port it chooses, bootstrap a fresh aggregator there and serve the app."""
    store_path = state / "courts.sqlite3"
    store_path.write_bytes(seeded.read_bytes())
    consent_issuer(StatePaths(state))
    adapter = await start_adapter("courts", store_path, StatePaths(state).jwks,
                                  state / "courts.log")
    try:
        service = bootstrap(registry_with({"courts": adapter.port}), state)
        for who in personas:  # as demo seeding does: every persona has an account
            service.store.ensure_account(who, PERSONAS[who].role)
        key = load_or_create_ed25519(state / "issuer.pem")
        app = create_app(service, TokenVerifier(key.public_key()),
                         GatewaySettings(rate=RatePolicy(burst=10_000, per_second=1000)))
        issuer = DevIssuer(key)
        tokens = {who: issuer.issue(who, PERSONAS[who].role, PERSONAS[who].name)
                  for who in personas}
        try:
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                         base_url="http://gateway") as client:
                yield CourtsGateway(service, client, tokens, store_path)
        finally:
            await service.close()
    finally:
        await stop_adapters([adapter])
