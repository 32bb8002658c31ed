"""Issue 12 item 8: an agency's failure reaches people in plain words, in their language, with
the code beside it, never as gRPC transport text; viewer.casesUnavailable names it.

The courts agency's address is a port nothing listens on; immigration and labor run as real
adapter processes.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import httpx
import pytest

from adapters.reference.catalog import REFERENCE_AGENCIES, synthetic
from aggregator.bootstrap import bootstrap
from aggregator.state import StatePaths
from aggregator.vault.key_files import load_or_create_ed25519
from deploy.processes.launcher import (
    AdapterProcess,
    free_port,
    registry_with,
    start_adapter,
    stop_adapters,
)
from gateway.app import GatewaySettings, create_app
from gateway.auth import DevIssuer, TokenVerifier
from gateway.ratelimit import RatePolicy
from support.world import seed_world

pytestmark = pytest.mark.integration

TODAY = date(2026, 11, 1)
DOWN = "courts"
TRANSPORT_WORDS = ("ipv4", "ipv6", "addresses", "failed to connect", "127.0.0.1", "tcp",
                   "connection refused", "socket")
NAMES = {"en": "Executive Office for Immigration Review",
         "es": "Oficina Ejecutiva de Revisión de Casos de Inmigración"}


@dataclass
class Gateway:
    client: httpx.AsyncClient
    token: str

    async def post(self, query: str, variables: dict[str, object] | None = None,
                   *, signed_in: bool = False) -> dict[str, object]:
        headers = {"Authorization": f"Bearer {self.token}"} if signed_in else {}
        response = await self.client.post("/graphql", json={
            "query": query, "variables": variables or {}}, headers=headers)
        assert response.status_code == 200, response.text
        body: dict[str, object] = response.json()
        assert "errors" not in body, body
        return body


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Small seeded stores; ana linked to her cases at every agency."""
    root = tmp_path_factory.mktemp("world")
    seed_world(root, cases=20, seed=3, today=TODAY)
    return root


@pytest.fixture
async def gateway(world: Path) -> AsyncIterator[Gateway]:
    """The gateway in process over real adapters, courts pointing at a dead port."""
    adapters: dict[str, AdapterProcess] = {}
    ports: dict[str, int] = {}
    try:
        for agency_id in REFERENCE_AGENCIES:
            if agency_id == DOWN:
                ports[agency_id] = free_port()
                continue
            adapters[agency_id] = await start_adapter(
                agency_id, world / f"{agency_id}.sqlite3", StatePaths(world).jwks,
                world / f"{agency_id}.log")
            ports[agency_id] = adapters[agency_id].port
        service = bootstrap(registry_with(ports), world)
        key = load_or_create_ed25519(world / "issuer.pem")
        app = create_app(service, TokenVerifier(key.public_key()),
                         GatewaySettings(rate=RatePolicy(burst=10_000, per_second=1000)))
        try:
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                         base_url="http://gateway") as client:
                yield Gateway(client, DevIssuer(key).issue("ana", "applicant", "Ana"))
        finally:
            await service.close()
    finally:
        await stop_adapters(list(adapters.values()))


# Its first calls find nothing listening; after a few, its breaker is open.
DOWN_CODES = ("UNAVAILABLE", "CIRCUIT_OPEN")


def _assert_plain(message: str, codes: tuple[str, ...], language: str) -> None:
    lowered = message.lower()
    assert not [w for w in TRANSPORT_WORDS if w in lowered], message
    assert any(f"({code})" in message for code in codes), message
    assert NAMES[language] in message, message


def _ana_number(agency_id: str) -> str:
    return synthetic(agency_id).persona_cases(TODAY)["ana"][0].number


async def test_a_lookup_at_a_down_agency_says_so_plainly(gateway: Gateway) -> None:
    for language in ("EN", "ES"):
        await _lookup(gateway, language)


async def _lookup(gateway: Gateway, language: str) -> None:
    body = await gateway.post(
        "query ($n: String!, $l: Language) { caseStatus(number: $n, language: $l) { "
        "... on CaseLookupError { code message } } }",
        {"n": _ana_number(DOWN), "l": language})
    result = body["data"]["caseStatus"]  # type: ignore[index]
    assert result["code"] == "AGENCY_UNAVAILABLE", result
    _assert_plain(result["message"], DOWN_CODES, language.lower())
    if language == "ES":
        assert "inténtelo" in result["message"], result


async def test_timeline_and_cases_name_the_down_agency_plainly(gateway: Gateway) -> None:
    for language in ("EN", "ES"):
        await _viewer(gateway, language)


async def _viewer(gateway: Gateway, language: str) -> None:
    body = await gateway.post(
        "query ($l: Language) { viewer { "
        "cases(language: $l) { number agency { id } } "
        "casesUnavailable(language: $l) { agency { id name } code message } "
        "timeline(language: $l) { events { agency { id } } "
        "unavailable { agency { id } code message } } } }",
        {"l": language}, signed_in=True)
    viewer = body["data"]["viewer"]  # type: ignore[index]
    (missing,) = viewer["casesUnavailable"]
    assert missing["agency"]["id"] == DOWN and missing["code"] in DOWN_CODES, missing
    assert missing["agency"]["name"] == NAMES[language.lower()]
    _assert_plain(missing["message"], (missing["code"],), language.lower())
    listed = {c["agency"]["id"] for c in viewer["cases"]}
    assert DOWN not in listed and listed, viewer["cases"]
    (unavailable,) = viewer["timeline"]["unavailable"]
    assert unavailable["agency"]["id"] == DOWN and unavailable["code"] in DOWN_CODES
    _assert_plain(unavailable["message"], (unavailable["code"],), language.lower())
    assert {e["agency"]["id"] for e in viewer["timeline"]["events"]} == listed
