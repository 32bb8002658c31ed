"""/healthz, /readyz and /livez on a real uvicorn server: with a real agency down (its
address has nothing listening) beside one whose reference adapter runs, and with the ledger
or the store made unusable under the running gateway."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from adapters.reference.seed import seed_store
from aggregator.bootstrap import bootstrap, consent_issuer
from aggregator.service import CaselineService
from aggregator.state import StatePaths
from aggregator.vault.key_files import load_or_create_ed25519
from deploy.processes.launcher import free_port, registry_with, start_adapter, stop_adapters
from gateway.app import GatewaySettings, create_app
from gateway.auth import TokenVerifier
from gateway.ratelimit import RatePolicy
from tests.support.courts_gateway import TODAY
from tests.support.http_gateway import serving

pytestmark = pytest.mark.integration

COURTS_LOOKUP = ('{ caseStatuses(numbers: ["A201555123"]) '
                 '{ __typename ... on CaseLookupError { code } } }')
IMMIGRATION_LOOKUP = ('{ caseStatuses(numbers: ["IOE0912345678"]) '
                      '{ __typename ... on CaseLookupError { code } } }')


def _app(service: CaselineService, state: Path) -> Starlette:
    key = load_or_create_ed25519(state / "issuer.pem")
    return create_app(service, TokenVerifier(key.public_key()),
                      GatewaySettings(rate=RatePolicy(burst=10_000, per_second=1000)))


@pytest.fixture
async def courts_down(tmp_path: Path) -> AsyncIterator[str]:
    """The gateway over immigration (its reference adapter running) and courts (nothing
    listening at its address); the breaker waits long after opening, so it stays open."""
    state = tmp_path / "state"
    state.mkdir()
    seed_store(tmp_path / "immigration.sqlite3", "immigration", cases=10, seed=7, today=TODAY,
               progress=False)
    consent_issuer(StatePaths(state))
    adapter = await start_adapter("immigration", tmp_path / "immigration.sqlite3",
                                  StatePaths(state).jwks, tmp_path / "immigration.log")
    try:
        config = dataclasses.replace(
            registry_with({"immigration": adapter.port, "courts": free_port()}),
            breaker_reset_s=600.0)
        service = bootstrap(config, state)
        async with serving(_app(service, state)) as base:
            yield base
    finally:
        await stop_adapters([adapter])


async def _lookup(client: httpx.AsyncClient, query: str) -> dict[str, Any]:
    response = await client.post("/graphql", json={"query": query})
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()["data"]["caseStatuses"][0]
    return result


async def test_an_agency_down_is_down_with_its_breaker_open_and_the_gateway_still_ready(
        courts_down: str) -> None:
    async with httpx.AsyncClient(base_url=courts_down, timeout=15) as client:
        answer = await _lookup(client, IMMIGRATION_LOOKUP)  # an answer, found or not
        assert answer["__typename"] == "CaseStatus" or answer["code"] == "NOT_FOUND", answer
        before = (await client.get("/healthz")).json()
        assert before["status"] == "ok", before
        assert before["agencies"]["courts"] == {"status": "up", "breaker": "closed",
                                                "consecutiveFailures": 0}
        codes = []
        for _ in range(10):
            codes.append((await _lookup(client, COURTS_LOOKUP))["code"])
            health = (await client.get("/healthz")).json()
            if health["agencies"]["courts"]["breaker"] != "closed":
                break
            # Failing, not yet enough in a row to open the breaker.
            assert health["agencies"]["courts"]["status"] == "degraded", health
            assert health["status"] == "degraded", health
        assert codes[0] == "AGENCY_UNAVAILABLE", codes
        assert health["agencies"]["courts"]["status"] == "down", health
        assert health["agencies"]["courts"]["breaker"] == "open", health
        assert health["agencies"]["courts"]["consecutiveFailures"] >= 5, health
        assert health["agencies"]["immigration"] == {"status": "up", "breaker": "closed",
                                                     "consecutiveFailures": 0}
        assert health["status"] == "degraded"
        assert health["store"] == health["ledger"] == {"status": "up"}
        ready = await client.get("/readyz")
        assert (ready.status_code, ready.json()) == (200, {"status": "ready"})
        live = await client.get("/livez")
        assert (live.status_code, live.json()) == (200, {"status": "alive"})


def _remove_ledger(service: CaselineService, state: Path) -> None:
    StatePaths(state).ledger.unlink()


def _remove_store(service: CaselineService, state: Path) -> None:
    StatePaths(state).database.unlink()


def _close_ledger(service: CaselineService, state: Path) -> None:
    service.ledger.close()


@pytest.mark.parametrize(("breakage", "component", "reason"), [
    (_remove_ledger, "ledger", "the ledger file is missing"),
    (_remove_store, "store", "the store's database file is missing"),
    (_close_ledger, "ledger", "the ledger is not accepting entries"),
])
async def test_an_unusable_ledger_or_store_makes_the_gateway_not_ready(
        tmp_path: Path, breakage: Callable[[CaselineService, Path], None], component: str,
        reason: str) -> None:
    state = tmp_path / "state"
    service = bootstrap(registry_with({"immigration": free_port()}), state)
    async with serving(_app(service, state)) as base, \
            httpx.AsyncClient(base_url=base, timeout=15) as client:
        assert (await client.get("/readyz")).status_code == 200
        breakage(service, state)
        ready = await client.get("/readyz")
        assert ready.status_code == 503
        assert ready.json() == {"status": "not_ready", "reasons": {component: reason}}
        health = await client.get("/healthz")
        assert health.status_code == 200
        assert health.json()["status"] == "down"
        assert health.json()[component] == {"status": "down", "reason": reason}
        # The process still serves: liveness is not readiness.
        assert (await client.get("/livez")).status_code == 200
