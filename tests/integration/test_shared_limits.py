"""Two gateway replicas (two create_app instances, each with a state directory of its own)
sharing one Redis: a client's lookups across both are limited as one (issue 19, item 7)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from gateway.app import GatewaySettings
from gateway.ratelimit import RatePolicy
from support.http_gateway import gateway_app, serving
from support.redis_limits import unique_limits

pytestmark = pytest.mark.integration

BATCH = """query ($numbers: [String!]!) { caseStatuses(numbers: $numbers) {
  __typename ... on CaseLookupError { code retryAfter } } }"""


async def _look_up(client: httpx.AsyncClient, base: str, count: int) -> list[dict[str, Any]]:
    numbers = [f"FAK{n:06d}" for n in range(count)]
    response = await client.post(f"{base}/graphql",
                                 json={"query": BATCH, "variables": {"numbers": numbers}})
    assert response.status_code == 200, response.text
    results: list[dict[str, Any]] = response.json()["data"]["caseStatuses"]
    return results


async def test_a_clients_lookups_across_two_replicas_are_limited_as_one(
        tmp_path: Path) -> None:
    """100 lookups per window: 60 on one replica and 40 on the other pass (the fake agency
    knows no case: NOT_FOUND), then the next on either is RATE_LIMITED with a wait, where two
    replicas each counting alone would have let it through."""
    async with unique_limits() as limits:
        settings = GatewaySettings(rate=RatePolicy(burst=100, per_second=1),
                                   shared_limits=limits)
        first, _ = gateway_app(tmp_path / "one", settings)
        second, _ = gateway_app(tmp_path / "two", settings)
        async with serving(first) as one, serving(second) as two, \
                httpx.AsyncClient(timeout=30) as client:
            assert {r["code"] for r in await _look_up(client, one, 60)} == {"NOT_FOUND"}
            assert {r["code"] for r in await _look_up(client, two, 40)} == {"NOT_FOUND"}
            for base in (one, two):
                [refused] = await _look_up(client, base, 1)
                assert refused["code"] == "RATE_LIMITED", refused
                assert 1 <= refused["retryAfter"] <= 200
