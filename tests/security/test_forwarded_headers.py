"""Issue 12, item 4: X-Forwarded-For is believed only from proxies the operator names, so a
client cannot buy a fresh public-lookup allowance with each made-up address."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from gateway.app import GatewaySettings
from gateway.ratelimit import RatePolicy
from support.http_gateway import gateway_app, gateway_process, serving

pytestmark = pytest.mark.integration

# --lookup-rate 0.1 gives the smallest allowance: a burst of 300 lookups, 3 full batches.
RATE = ("--lookup-rate", "0.1")
BATCH = [f"ZZ{i:06d}" for i in range(100)]  # routed nowhere: no agency is asked
QUERY = "query($n: [String!]!) { caseStatuses(numbers: $n) { ... on CaseLookupError { code } } }"


def _codes(base_url: str, forwarded_for: str) -> set[str]:
    response = httpx.post(f"{base_url}/graphql", json={"query": QUERY,
                                                       "variables": {"n": BATCH}},
                          headers={"X-Forwarded-For": forwarded_for}, timeout=15)
    return {r["code"] for r in response.json()["data"]["caseStatuses"]}


def test_made_up_forwarded_addresses_share_the_connecting_clients_allowance(
        tmp_path: Path) -> None:
    """By default (no proxy named) every request from loopback is one client, whatever
    X-Forwarded-For says: the fourth batch is refused."""
    with gateway_process(tmp_path, *RATE) as gateway:
        for i in range(3):
            assert "RATE_LIMITED" not in _codes(gateway.base_url, f"203.0.113.{i}")
        assert _codes(gateway.base_url, "203.0.113.99") == {"RATE_LIMITED"}


def test_a_named_proxy_passes_on_the_client_address(tmp_path: Path) -> None:
    """With --forwarded-allow-ips naming loopback, each forwarded address is a client of
    its own: one that has spent its allowance is refused, another is not."""
    with gateway_process(tmp_path, *RATE, "--forwarded-allow-ips", "127.0.0.1") as gateway:
        for _ in range(3):
            assert "RATE_LIMITED" not in _codes(gateway.base_url, "203.0.113.1")
        assert _codes(gateway.base_url, "203.0.113.1") == {"RATE_LIMITED"}
        assert "RATE_LIMITED" not in _codes(gateway.base_url, "203.0.113.2")


async def test_a_proxy_may_be_named_by_its_network(tmp_path: Path) -> None:
    """The option takes networks too (uvicorn_config is what gateway serve passes it to)."""
    app, _ = gateway_app(tmp_path, GatewaySettings(rate=RatePolicy(burst=1, per_second=1e-6)))
    one = "{ caseStatus(number: \"ZZ1\") { ... on CaseLookupError { code } } }"
    async with serving(app, forwarded_allow_ips=["127.0.0.0/8"]) as url, \
            httpx.AsyncClient(base_url=url) as client:
        async def code(forwarded_for: str) -> str:
            response = await client.post("/graphql", json={"query": one},
                                         headers={"X-Forwarded-For": forwarded_for})
            return str(response.json()["data"]["caseStatus"]["code"])

        assert await code("198.51.100.1") != "RATE_LIMITED"
        assert await code("198.51.100.1") == "RATE_LIMITED"
        assert await code("198.51.100.2") != "RATE_LIMITED"
