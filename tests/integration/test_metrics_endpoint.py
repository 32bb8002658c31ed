"""/metrics on the gateway over real reference adapters: after a few reads the GraphQL, agency
call, breaker and ledger series are there with sane values; only a direct loopback (or
allowed) client may read them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from adapters.reference.catalog import REFERENCE_AGENCIES, profile
from adapters.reference.demo_store import DemoStore
from adapters.sdk.server import AdapterServer, build_servicer
from aggregator.bootstrap import bootstrap
from aggregator.state import StatePaths
from aggregator.vault.key_files import load_or_create_ed25519
from deploy.processes.launcher import registry_with
from gateway.app import GatewaySettings, create_app
from gateway.auth import DevIssuer, TokenVerifier
from gateway.metrics import parse_networks
from gateway.ratelimit import RatePolicy
from support.world import seed_world
from tests.integration.test_tracing import TIMELINE, TODAY

pytestmark = pytest.mark.integration

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


@pytest.fixture
async def gateway(tmp_path: Path) -> AsyncIterator[tuple[object, str]]:
    """The gateway app (over all three agencies) and a token of Ana's."""
    stores = seed_world(tmp_path, cases=20, seed=7, today=TODAY)
    jwks = StatePaths(tmp_path).jwks
    servers = [AdapterServer(build_servicer(profile(a), DemoStore(stores[a]), jwks))
               for a in REFERENCE_AGENCIES]
    ports = {a: await s.start() for a, s in zip(REFERENCE_AGENCIES, servers, strict=True)}
    service = bootstrap(registry_with(ports), tmp_path)
    key = load_or_create_ed25519(tmp_path / "issuer.pem")
    app = create_app(service, TokenVerifier(key.public_key()), GatewaySettings(
        rate=RatePolicy(burst=10_000, per_second=1000),
        metrics_allow=parse_networks(["192.0.2.0/24"])))
    try:
        yield app, DevIssuer(key).issue("ana", "applicant", "Ana")
    finally:
        await service.close()
        for server in servers:
            await server.stop(0)


def _client(app: object, address: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(address, 40_000))  # type: ignore[arg-type]
    return httpx.AsyncClient(transport=transport, base_url="http://gateway")


async def _scrape(app: object) -> Samples:
    async with _client(app, "127.0.0.1") as client:
        response = await client.get("/metrics")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain; version=")
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(response.text)
            for s in family.samples}


def _value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


async def test_metrics_count_operations_agency_calls_breakers_and_ledger_batches(
        gateway: tuple[object, str]) -> None:
    app, token = gateway
    before = await _scrape(app)
    async with _client(app, "127.0.0.1") as client:
        for _ in range(3):
            response = await client.post("/graphql", json={"query": TIMELINE},
                                         headers={"Authorization": f"Bearer {token}"})
            assert "errors" not in response.json()
        await client.post("/graphql", json={"query": "query Mine { nope }"})
        await client.post("/graphql", json={"query": "{ a: viewer { id } b: viewer { id } }"})
    after = await _scrape(app)

    def grew(name: str, **labels: str) -> float:
        return _value(after, name, **labels) - _value(before, name, **labels)

    assert grew("caseline_graphql_requests_total", operation="query viewer",
                outcome="ok") == 3
    # A field the schema lacks and a document of several root fields share one label.
    assert grew("caseline_graphql_requests_total", operation="other", outcome="error") >= 1
    assert not [k for k in after if k[0] == "caseline_graphql_requests_total"
                and ("operation", "query nope") in k[1]]
    assert grew("caseline_graphql_request_duration_seconds_count",
                operation="query viewer") == 3
    assert grew("caseline_graphql_request_duration_seconds_sum", operation="query viewer") > 0
    called = {dict(k[1])["agency"] for k in after
              if k[0] == "caseline_agency_calls_total" and ("outcome", "OK") in k[1]}
    assert {"immigration", "courts"} <= called
    assert grew("caseline_agency_call_duration_seconds_count", agency="courts") >= 3
    for agency in REFERENCE_AGENCIES:
        assert _value(after, "caseline_agency_breaker_state", agency=agency,
                      state="CLOSED") == 1
        assert _value(after, "caseline_agency_breaker_state", agency=agency,
                      state="OPEN") == 0
    # Every read is written to the ledger in batches, each timed.
    batches = grew("caseline_ledger_batch_entries_count")
    assert batches >= 1
    assert grew("caseline_ledger_batch_entries_sum") >= batches
    assert grew("caseline_ledger_commit_duration_seconds_count") == batches
    assert _value(after, "caseline_notify_outbox_pending") >= 0


@pytest.mark.parametrize(("address", "headers", "status"), [
    ("127.0.0.1", {}, 200),
    ("192.0.2.44", {}, 200),  # in --metrics-allow-ips
    ("203.0.113.9", {}, 403),  # anyone else
    ("127.0.0.1", {"X-Forwarded-For": "203.0.113.9"}, 403),  # through a proxy on this host
    ("127.0.0.1", {"Forwarded": "for=203.0.113.9"}, 403),
])
async def test_only_loopback_or_allowed_scrapers_read_the_metrics(
        gateway: tuple[object, str], address: str, headers: dict[str, str],
        status: int) -> None:
    app, _ = gateway
    async with _client(app, address) as client:
        response = await client.get("/metrics", headers=headers)
    assert response.status_code == status
    assert ("caseline_agency_breaker_state" in response.text) == (status == 200)
