"""/ledger/tile/… over a fake ledger: what is served, to whom, and what is refused."""

from __future__ import annotations

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from aggregator.ledger.encoding import canonical
from aggregator.ledger.entries import Entry, EntryKind
from aggregator.ledger.merkle import leaf_hash
from aggregator.ledger.tiles import root_at
from gateway.ledger_tiles import tile_endpoint
from support.fakes import FakeLedger
from support.tlog_client import bundle_entries


async def _auditor(request: Request) -> Response | None:
    # Stands in for the gateway's token check: the header names the role.
    if request.headers.get("x-role") != "auditor":
        return JSONResponse({"error": "auditors only"}, status_code=403)
    return None


def _ledger(entries: int) -> FakeLedger:
    ledger = FakeLedger()
    for n in range(entries):
        ledger.append_sync(Entry(EntryKind.ACCESS, {"decision": "ALLOW", "n": n}))
    return ledger


def _client(ledger: FakeLedger) -> httpx.AsyncClient:
    app = Starlette(routes=[Route("/ledger/tile/{path:path}", tile_endpoint(ledger, _auditor))])
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")


async def test_hash_tiles_are_the_fake_ledgers_tree() -> None:
    """The tiles served rebuild the ledger's root; a narrower width is a prefix."""
    ledger = _ledger(300)
    async with _client(ledger) as client:
        tiles = {(0, 0): (await client.get("/ledger/tile/0/000")).content,
                 (0, 1): (await client.get("/ledger/tile/0/001.p/44")).content,
                 (1, 0): (await client.get("/ledger/tile/1/000.p/1")).content}
        narrow = (await client.get("/ledger/tile/0/001.p/3")).content
    assert root_at(300, lambda level, index: tiles[(level, index)]) == ledger.root()
    assert narrow == tiles[(0, 1)][:96]
    assert tiles[(0, 0)][:32] == ledger.leaf_hash(0)


async def test_entry_bundles_need_the_auditor_check() -> None:
    """The auditor check decides on bundles; the bundle holds the canonical entries."""
    ledger = _ledger(5)
    async with _client(ledger) as client:
        refused = await client.get("/ledger/tile/entries/000.p/5")
        served = await client.get("/ledger/tile/entries/000.p/5", headers={"x-role": "auditor"})
    assert refused.status_code == 403
    assert served.status_code == 200
    entries = bundle_entries(served.content)
    assert entries == [canonical(e) for e in ledger.entries]
    assert [leaf_hash(e) for e in entries] == [ledger.leaf_hash(i) for i in range(5)]


async def test_tiles_outside_the_tree_and_malformed_paths() -> None:
    """404 past the tree, 400 for a path off the spec (the auditor check not even asked)."""
    async with _client(_ledger(5)) as client:
        missing = await client.get("/ledger/tile/0/000.p/6")
        malformed = await client.get("/ledger/tile/entries/0")
        empty = await client.get("/ledger/tile/")
    assert missing.status_code == 404
    assert malformed.status_code == 400
    assert malformed.json() == {"error": "not a tlog-tiles path: tile index element 1 must be "
                                         "three digits (index 1234067 is x001/x234/067), got "
                                         "'0'"}
    assert empty.status_code == 400
