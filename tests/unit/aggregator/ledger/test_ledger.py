"""The Ledger class over a real file: what it writes is byte-identical to what the ledger
wrote before its entries were typed values and its jobs were split into modules."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

from aggregator.ledger.entries import Entry, EntryKind
from aggregator.ledger.errors import LedgerClosedError
from aggregator.ledger.ledger import Ledger
from support import ledger_golden as golden


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[Ledger]:
    opened = Ledger(tmp_path / "ledger.sqlite3", golden.signer(), clock=lambda: golden.AT)
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
    with closing(sqlite3.connect(ledger.store.path)) as conn:
        rows = conn.execute("SELECT kind, subject, actor, agencies, consent FROM entries "
                            "ORDER BY idx").fetchall()
        relied = conn.execute("SELECT consent, idx FROM entry_consents").fetchall()
    assert rows == [golden.COLUMNS[name] for name, _ in cases]
    assert relied == golden.ENTRY_CONSENTS


async def test_async_and_sync_appends_share_one_chain(ledger: Ledger) -> None:
    """Both ways in go through the one writer: indices follow on."""
    first = ledger.append_sync(Entry(EntryKind.KEY, {"event": "ROTATED"}))
    second = await ledger.append(Entry(EntryKind.KEY, {"event": "ROTATED"}))
    assert (first.index, second.index, second.tree_size) == (0, 1, 2)


def test_a_closed_ledger_refuses_entries_at_once(tmp_path: Path) -> None:
    """No queueing after close: the caller learns immediately."""
    ledger = Ledger(tmp_path / "ledger.sqlite3", golden.signer())
    ledger.close()
    assert not ledger.accepting
    future = ledger.submit(Entry(EntryKind.KEY, {"event": "ROTATED"}))
    with pytest.raises(LedgerClosedError, match=r"^the ledger is not accepting entries$"):
        future.result(timeout=1)
