"""The ledger's tlog-tiles on a real gateway: an auditor holding only the ledger's key checks
entries and the log's growth from /ledger/checkpoint and /ledger/tile/… alone."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from aggregator.bootstrap import bootstrap
from aggregator.ledger.entries import Entry, EntryKind
from aggregator.ledger.merkle import leaf_hash, verify_consistency, verify_inclusion
from aggregator.ledger.tiles import tiles_after_append
from aggregator.ports import LedgerPort
from aggregator.vault.key_files import load_or_create_ed25519
from gateway.app import create_app
from gateway.auth import DevIssuer, TokenVerifier
from support.http_gateway import CONFIG, NoCases, serving
from support.tlog_client import TileClient, tile_name

pytestmark = pytest.mark.integration


@dataclass
class Served:
    """A gateway on loopback, its ledger (to append to) and tokens."""

    client: TileClient
    http: httpx.AsyncClient
    ledger: LedgerPort
    issuer: DevIssuer

    async def append(self, count: int) -> None:
        """Append ``count`` access entries, concurrently (group-committed)."""
        start = self.ledger.size
        await asyncio.gather(*(self.ledger.append(_entry(start + n)) for n in range(count)))

    def token(self, role: str) -> str:
        """A bearer token of ``role``."""
        return self.issuer.issue(f"psn_{role}", role, role.title())


def _entry(n: int) -> Entry:
    subject = f"psn_{n % 11}"
    return Entry(EntryKind.ACCESS, {
        "decision": "ALLOW", "subject": subject, "actor": subject, "agencies": ["fake"],
        "scopes": ["STATUS"], "consent": "self", "purpose": "SELF_ACCESS"},
        subject=subject, actor=subject, agencies=("fake",), consent="self")


@pytest.fixture
async def served(tmp_path: Path, ledger_url: str) -> AsyncIterator[Served]:
    """The production composition over one fake agency, with its real ledger, served: on
    SQLite (the ledger in its own file) and on PostgreSQL (beside the store)."""
    service = bootstrap(CONFIG, tmp_path, adapters={"fake": NoCases()},
                        database_url=ledger_url)
    key = load_or_create_ed25519(tmp_path / "issuer.pem")
    async with serving(create_app(service, TokenVerifier(key.public_key()))) as base, \
            httpx.AsyncClient(base_url=base, timeout=30) as http:
        client = TileClient(http, f"{base}/ledger", service.ledger.verifier_key())
        yield Served(client, http, service.ledger, DevIssuer(key))


async def test_an_auditor_checks_inclusion_and_consistency_from_tiles_alone(
        served: Served) -> None:
    """Entries read from auditor-only bundles are in the signed tree by proofs built from
    public tiles, and the tree of a later checkpoint extends an earlier one's."""
    client, auditor = served.client, served.token("auditor")
    await served.append(300)
    first = await client.checkpoint()
    assert first.size == 300
    await served.append(320)
    second = await client.checkpoint()
    assert second.size == 620  # 2 full level-0 tiles and one of 108; level 1 of 2

    for head in (first, second):
        assert await client.mth(0, head.size, head.size) == head.root
    entries = [*await client.entries(0, second.size, auditor),
               *await client.entries(1, second.size, auditor),
               *await client.entries(2, second.size, auditor)]
    assert len(entries) == 620
    for index in (0, 1, 255, 256, 299, 511, 512, 619):
        proof = await client.inclusion_proof(index, second.size)
        verify_inclusion(leaf_hash(entries[index]), index, second.size, proof, second.root)
    for index in (0, 257, 299):
        proof = await client.inclusion_proof(index, first.size)
        verify_inclusion(leaf_hash(entries[index]), index, first.size, proof, first.root)
    proof = await client.consistency_proof(first.size, second.size)
    verify_consistency(first.size, second.size, first.root, second.root, proof)
    # The earlier checkpoint's partial tiles are still served, as prefixes of today's.
    assert {"tile/0/001.p/44", "tile/1/000.p/1", "tile/0/002.p/108",
            "tile/1/000.p/2"} <= set(client.fetched)


async def test_the_served_tiles_are_the_tiles_of_the_spec(served: Served) -> None:
    """Every tile the gateway serves at 620 entries equals the tile built by appending the
    entries' hashes, and bundles hash to the level-0 tiles."""
    await served.append(620)
    tiles: dict[tuple[int, int], bytes] = {}
    entries = [entry for bundle in range(3)
               for entry in await served.client.entries(bundle, 620, served.token("auditor"))]
    tiles.update(tiles_after_append(0, [leaf_hash(e) for e in entries],
                                    lambda level, index: tiles.get((level, index), b"")))
    assert set(tiles) == {(0, 0), (0, 1), (0, 2), (1, 0)}
    for (level, index), expected in tiles.items():
        response = await served.client.get(tile_name(level, index, len(expected) // 32))
        assert response.status_code == 200
        assert response.content == expected


async def test_tile_responses_carry_type_and_caching(served: Served) -> None:
    """Tiles are octet streams; full ones immutable for a year, partial ones for a minute;
    bundles only in private caches."""
    await served.append(260)
    full = await served.client.get("tile/0/000")
    partial = await served.client.get("tile/0/001.p/4")
    bundle = await served.client.get("tile/entries/000", served.token("auditor"))
    assert [r.status_code for r in (full, partial, bundle)] == [200, 200, 200]
    assert {r.headers["content-type"] for r in (full, partial, bundle)} \
        == {"application/octet-stream"}
    assert full.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert partial.headers["cache-control"] == "public, max-age=60"
    assert bundle.headers["cache-control"] == "private, max-age=31536000, immutable"
    assert len(full.content) == 8192 and len(partial.content) == 128


@pytest.mark.parametrize("name", [
    "tile/0/001",         # partial at this size (width 4): no full tile yet
    "tile/0/001.p/5",     # wider than the checkpoint's tree
    "tile/0/002.p/1",     # no tile there at all
    "tile/1/000",
    "tile/1/000.p/2",
    "tile/2/000.p/1",
    "tile/entries/001",
])
async def test_tiles_past_the_latest_checkpoint_are_not_found(served: Served,
                                                             name: str) -> None:
    """A tile or width the latest checkpoint's tree (260 entries) does not have is 404."""
    await served.append(260)
    response = await served.client.get(name, served.token("auditor"))
    assert response.status_code == 404
    assert response.json() == {"error": "no such tile in the tree of the latest checkpoint"}


async def test_an_empty_ledger_serves_no_tiles(served: Served) -> None:
    """The signed empty tree has no tiles (the spec serves no empty tile)."""
    assert (await served.client.checkpoint()).size == 0
    assert (await served.client.get("tile/0/000.p/1")).status_code == 404


@pytest.mark.parametrize(("name", "message"), [
    ("tile/0/1", "tile index element 1 must be three digits"),
    ("tile/0/000.p/256", "the partial tile's width must be in 1..255, got 256"),
    ("tile/64/000", "the tile level must be in 0..63, got 64"),
    ("tile/entries/x000/001", "a tile index has no leading x000 element"),
    ("tile/0/" + "x123/" * 40 + "000", "a tile path has at most 64 characters"),
])
async def test_malformed_tile_paths_are_bad_requests(served: Served, name: str,
                                                     message: str) -> None:
    """A path off the spec is 400 saying what is wrong, before any token is asked for."""
    response = await served.client.get(name)
    assert response.status_code == 400
    assert response.json()["error"].startswith(f"not a tlog-tiles path: {message}")


async def test_entry_bundles_are_for_auditors_only(served: Served) -> None:
    """Bundles name pseudonyms: refused without a token and to other roles, as the export
    is; hash tiles need no token."""
    await served.append(3)
    name = "tile/entries/000.p/3"
    assert (await served.client.get(name)).status_code == 401
    assert (await served.client.get(name, served.token("applicant"))).status_code == 403
    assert (await served.client.get(name, served.token("auditor"))).status_code == 200
    assert (await served.client.get("tile/0/000.p/3")).status_code == 200
