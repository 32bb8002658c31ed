"""Two `caseline gateway serve` replicas, each with a state directory of its own (holding the
installation's keyring and id, as each pod mounts the same secret), on one PostgreSQL, Redis and
NATS: one ledger that both append to, and that survives one of them being killed mid-stream."""

from __future__ import annotations

import asyncio
import shutil
import signal
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from aggregator.ledger.verifier import VerifyResult, verify_export
from support.databases import fresh_database_url
from support.http_gateway import Gateway, gateway_process
from support.nats_bus import NATS_URL, require_nats
from support.redis_limits import REDIS_URL, require_redis

pytestmark = pytest.mark.integration

GRANT = """mutation ($until: DateTime!) {
  grantConsent(input: {grantee: "lee", agencies: ["immigration"], scopes: [STATUS],
                       purpose: "LEGAL_REPRESENTATION", validUntil: $until}) {
    id receipt { leafIndex treeSize } } }"""


@contextmanager
def _replicas(tmp_path: Path) -> Iterator[tuple[Gateway, Gateway]]:
    """Replica a, then replica b over a copy of a's state directory and token key."""
    require_redis()
    require_nats()
    with ExitStack() as stack:
        url = stack.enter_context(fresh_database_url("postgresql", tmp_path))
        shared = ("--database-url", url, "--redis-url", REDIS_URL,
                  "--redis-prefix", f"replicas-{tmp_path.name}", "--nats-url", NATS_URL)
        for replica in ("a", "b"):
            (tmp_path / replica).mkdir()
        a = stack.enter_context(gateway_process(tmp_path / "a", *shared,
                                                state_dir=tmp_path / "state-a"))
        shutil.copytree(tmp_path / "state-a", tmp_path / "state-b")
        shutil.copy(tmp_path / "a" / "issuer.pem", tmp_path / "b" / "issuer.pem")
        b = stack.enter_context(gateway_process(tmp_path / "b", *shared,
                                                state_dir=tmp_path / "state-b"))
        yield a, b


async def _graphql(client: httpx.AsyncClient, gateway: Gateway, subject: str, role: str,
                   query: str, **variables: Any) -> dict[str, Any]:
    token = gateway.issuer.issue(subject, role, subject.title())
    response = await client.post(f"{gateway.base_url}/graphql",
                                 json={"query": query, "variables": variables},
                                 headers={"Authorization": f"Bearer {token}"})
    body: dict[str, Any] = response.json()
    return body


async def _grant(client: httpx.AsyncClient, gateway: Gateway) -> int:
    """ana grants lee a consent through ``gateway``; the acknowledged entry's index."""
    until = (datetime.now(UTC) + timedelta(days=30)).isoformat()
    body = await _graphql(client, gateway, "ana", "applicant", GRANT, until=until)
    assert body.get("data") and "errors" not in body, body
    index: int = body["data"]["grantConsent"]["receipt"]["leafIndex"]
    return index


async def _verified_export(client: httpx.AsyncClient, gateway: Gateway
                           ) -> tuple[VerifyResult, list[dict[str, Any]]]:
    key = (await client.get(f"{gateway.base_url}/ledger/key")).text.strip()
    token = gateway.issuer.issue("audrey", "auditor", "Audrey")
    export = await client.get(f"{gateway.base_url}/ledger/export",
                              headers={"Authorization": f"Bearer {token}"})
    assert export.status_code == 200, export.text
    lines = export.text.splitlines()
    records = [orjson.loads(line) for line in lines]
    return verify_export(lines, pinned_vkey=key), records


def _indexes(records: list[dict[str, Any]]) -> set[int]:
    return {record["index"] for record in records if record.get("type") == "entry"}


async def _register_lee(client: httpx.AsyncClient, *gateways: Gateway) -> None:
    # A grantee must have signed in once: lee does, at each replica.
    for gateway in gateways:
        body = await _graphql(client, gateway, "lee", "representative", "{ viewer { subject } }")
        assert body["data"]["viewer"]["subject"] == "lee", body


async def test_both_replicas_append_to_one_ledger_that_verifies(tmp_path: Path) -> None:
    """Grants through both replicas at once land in one ledger: every acknowledged index is
    in it once, and each replica's export verifies to the same size."""
    with _replicas(tmp_path) as (a, b):
        async with httpx.AsyncClient(timeout=60) as client:
            await _register_lee(client, a, b)
            acknowledged = await asyncio.gather(*(_grant(client, g)
                                                  for _ in range(15) for g in (a, b)))
            assert len(set(acknowledged)) == 30
            for gateway in (a, b):
                result, records = await _verified_export(client, gateway)
                assert result.ok, result.message
                assert set(acknowledged) <= _indexes(records)
            sizes = {(await _verified_export(client, g))[0].entries for g in (a, b)}
            assert len(sizes) == 1


async def test_killing_a_replica_mid_stream_loses_no_acknowledged_entry(
        tmp_path: Path) -> None:
    """SIGKILL of the replica that is appending, while grants are in flight: every grant it
    acknowledged is in the ledger, and the other replica goes on appending."""
    with _replicas(tmp_path) as (a, b):
        assert a.process is not None
        async with httpx.AsyncClient(timeout=60) as client:
            await _register_lee(client, a, b)
            acknowledged: list[int] = []

            async def stream() -> None:
                while True:
                    try:
                        acknowledged.append(await _grant(client, a))
                    except httpx.TransportError:
                        return  # the replica is gone: what it did not answer is not acked

            streams = [asyncio.ensure_future(stream()) for _ in range(8)]
            while len(acknowledged) < 40:
                await asyncio.sleep(0.05)
            a.process.send_signal(signal.SIGKILL)
            await asyncio.gather(*streams)
            after = [await _grant(client, b) for _ in range(5)]
            result, records = await _verified_export(client, b)
    assert result.ok, result.message
    assert set(acknowledged) | set(after) <= _indexes(records)
    assert min(after) > max(acknowledged)
