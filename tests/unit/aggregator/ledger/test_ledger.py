"""The Ledger class over real storage, SQLite and PostgreSQL: what it writes is
byte-identical to what the ledger wrote before its entries were typed values and its jobs
were split into modules; its tiles serve the latest checkpoint's tree."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from aggregator.ledger import tables as t
from aggregator.ledger.entries import Entry, EntryKind
from aggregator.ledger.errors import LedgerClosedError, WriteLockError
from aggregator.ledger.ledger import Ledger
from aggregator.ledger.merkle import MerkleTree
from aggregator.ledger.tile_paths import parse_entry_bundle
from aggregator.ledger.tiles import TILE_WIDTH, root_at, tile_width_at
from support import ledger_golden as golden
from support.databases import fresh_database_url


@pytest.fixture
def ledger(ledger_url: str) -> Iterator[Ledger]:
    opened = Ledger(ledger_url, golden.signer(), clock=lambda: golden.AT)
    yield opened
    opened.close()


def test_the_builders_entries_land_as_the_same_leaves_rows_and_checkpoint(
        ledger: Ledger) -> None:
    """Leaf hashes, the columns auditors filter on, the per-scope consents table, the root
    and the signed checkpoint all equal those the pre-split ledger wrote."""
    cases = golden.cases()
    receipts = [ledger.append_sync(entry) for _, entry in cases]
    assert [r.index for r in receipts] == list(range(len(cases)))
    assert [ledger.leaf_hash(i).hex() for i in range(len(cases))] == golden.LEAF_HASHES
    assert ledger.root().hex() == golden.ROOT
    stored = ledger.checkpoint()
    assert stored is not None and stored.note == golden.CHECKPOINT
    e = t.entries.c
    with ledger.store.engine.connect() as conn:
        rows = [tuple(r) for r in conn.execute(
            select(e.kind, e.subject, e.actor, e.agencies, e.consent).order_by(e.idx))]
        relied = [tuple(r) for r in conn.execute(
            select(t.entry_consents.c.consent, t.entry_consents.c.idx))]
    assert rows == [golden.COLUMNS[name] for name, _ in cases]
    assert relied == golden.ENTRY_CONSENTS


async def test_async_and_sync_appends_share_one_chain(ledger: Ledger) -> None:
    """Both ways in go through the one writer: indices follow on."""
    first = ledger.append_sync(Entry(EntryKind.KEY, {"event": "ROTATED"}))
    second = await ledger.append(Entry(EntryKind.KEY, {"event": "ROTATED"}))
    assert (first.index, second.index, second.tree_size) == (0, 1, 2)


def test_a_closed_ledger_refuses_entries_at_once(ledger_url: str) -> None:
    """No queueing after close: the caller learns immediately."""
    ledger = Ledger(ledger_url, golden.signer())
    ledger.close()
    assert not ledger.accepting
    future = ledger.submit(Entry(EntryKind.KEY, {"event": "ROTATED"}))
    with pytest.raises(LedgerClosedError, match=r"^the ledger is not accepting entries$"):
        future.result(timeout=1)


def test_tiles_and_bundles_serve_the_latest_checkpoints_tree_and_nothing_past_it(
        ledger: Ledger) -> None:
    """Hash tiles hold the tree's leaf hashes, entry bundles its leaves, at any width the
    latest checkpoint covers; past it, None."""
    count = TILE_WIDTH + 3
    futures = [ledger.submit(Entry(EntryKind.KEY, {"event": "ROTATED", "n": n}))
               for n in range(count)]
    for future in futures:
        future.result()
    tree = MerkleTree()
    tree.extend(ledger.leaf_hash(i) for i in range(count))
    full = ledger.hash_tile(0, 0, TILE_WIDTH)
    assert full == b"".join(tree.leaf(i) for i in range(TILE_WIDTH))
    assert ledger.hash_tile(0, 1, 3) == b"".join(tree.leaf(i) for i in range(256, 259))
    assert ledger.hash_tile(0, 1, 2) == b"".join(tree.leaf(i) for i in range(256, 258))
    assert ledger.hash_tile(0, 1, 4) is None and ledger.hash_tile(0, 2, 1) is None
    assert ledger.hash_tile(1, 0, 1) == tree.root(TILE_WIDTH)
    assert ledger.hash_tile(0, 1, 0) is None
    leaves = [leaf for _, leaf in ledger.store.leaves(256, 259)]
    bundle = ledger.entry_bundle(1, 3)
    assert bundle is not None and parse_entry_bundle(bundle) == leaves
    assert ledger.entry_bundle(1, 4) is None
    # A tiles client gets the root from the served tiles alone.
    assert root_at(count, lambda level, index: ledger.hash_tile(
        level, index, tile_width_at(level, index, count)) or b"") == ledger.root()


def test_a_database_away_before_a_batch_fails_only_that_batch(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """PostgreSQL: the probe before the write turn cannot reach the server; that batch is
    refused with WriteLockError and the ledger keeps accepting (it does not fail closed)."""
    with fresh_database_url("postgresql", tmp_path) as url:
        ledger = Ledger(url, golden.signer())
        try:
            ledger.append_sync(Entry(EntryKind.KEY, {"event": "ROTATED"}))
            real_end = ledger.store.end

            def away() -> int:
                monkeypatch.setattr(ledger.store, "end", real_end)  # back for the next one
                raise OperationalError("SELECT max(idx)", {}, Exception("server closed"))

            monkeypatch.setattr(ledger.store, "end", away)
            with pytest.raises(WriteLockError, match="could not read the ledger's database"):
                ledger.append_sync(Entry(EntryKind.KEY, {"event": "ROTATED"}))
            assert ledger.accepting
            assert ledger.append_sync(Entry(EntryKind.KEY, {"event": "ROTATED"})).index == 1
        finally:
            ledger.close()
