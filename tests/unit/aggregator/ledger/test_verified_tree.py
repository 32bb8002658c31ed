"""The verified tree: it takes in stored entries only after checking their hashes, links,
the hash tiles over them and the signed checkpoint, follows entries appended after it loaded,
and proves from the stored tiles with a bounded cache (on SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import update

from aggregator.ledger import storage
from aggregator.ledger import tables as t
from aggregator.ledger.entries import Entry, EntryKind
from aggregator.ledger.errors import LedgerCorruptError
from aggregator.ledger.ledger import Ledger
from aggregator.ledger.merkle import MerkleTree, empty_root
from aggregator.ledger.note import NoteVerifier
from aggregator.ledger.storage import LedgerStore, StoredCheckpoint
from aggregator.ledger.verified_tree import VerifiedTree, prev_text
from support import ledger_golden as golden

EMPTY = StoredCheckpoint(0, "unused: the ledger has its own head", "t")


class _Opened:
    def __init__(self, url: str, cached_tiles: int = 16) -> None:
        self.store = LedgerStore.open(url)
        self.corrupt: list[LedgerCorruptError] = []
        verifier = NoteVerifier.from_vkey(golden.signer().verifier_key())
        self.tree = VerifiedTree(self.store, verifier, on_corrupt=self.corrupt.append,
                                 cached_tiles=cached_tiles)


def _fill(url: str, count: int) -> None:
    ledger = Ledger(url, golden.signer())
    futures = [ledger.submit(Entry(EntryKind.KEY, {"event": "ROTATED", "n": n}))
               for n in range(count)]
    for future in futures:
        future.result()
    ledger.close()


@pytest.fixture
def url(ledger_url: str) -> str:
    """A ledger holding five entries."""
    _fill(ledger_url, 5)
    return ledger_url


@pytest.fixture
def opened(url: str) -> Iterator[_Opened]:
    opened = _Opened(url)
    yield opened
    opened.store.close()


def test_prev_is_empty_before_the_first_entry_and_base64_after() -> None:
    """The chain link as a leaf records it."""
    assert prev_text(b"") == ""
    assert prev_text(b"\x00\x01") == "AAE="


def test_a_new_ledger_starts_at_the_signed_empty_tree(ledger_url: str) -> None:
    """Nothing stored: the head is the empty tree's checkpoint it was given."""
    opened = _Opened(ledger_url)
    try:
        opened.tree.load(EMPTY)
        assert opened.tree.head.size == 0 and opened.tree.head.checkpoint is EMPTY
        assert opened.tree.root(0) == empty_root()
    finally:
        opened.store.close()


def test_loading_takes_in_and_checks_every_entry(opened: _Opened) -> None:
    """The head is the latest signed checkpoint, and the tiles reproduce its root."""
    opened.tree.load(EMPTY)
    head = opened.tree.head
    assert head.size == 5 and head.checkpoint.size == 5
    signed = NoteVerifier.from_vkey(golden.signer().verifier_key()).open(head.checkpoint.note)
    assert opened.tree.root(5) == signed.root
    assert not opened.corrupt


def test_loading_pages_through_entries(opened: _Opened, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two entries per page: the checks carry across pages (tiles and links)."""
    monkeypatch.setattr(storage, "PAGE", 2)
    opened.tree.load(EMPTY)
    assert opened.tree.head.size == 5 and not opened.corrupt


def test_entries_appended_after_loading_are_followed_on_refresh(opened: _Opened,
                                                                url: str) -> None:
    """Another writer's entries appear after a refresh, checked like the rest."""
    opened.tree.load(EMPTY)
    ledger = Ledger(url, golden.signer())
    try:
        ledger.append_sync(Entry(EntryKind.KEY, {"event": "ROTATED", "n": 5}))
        assert opened.tree.head.size == 5
        opened.tree.refresh()
        assert opened.tree.head.size == 6
        assert opened.tree.root(6) == ledger.root(6)
    finally:
        ledger.close()


def test_an_altered_entry_is_reported_and_never_taken_in(opened: _Opened) -> None:
    """The error names the entry; the corruption is recorded and handed to on_corrupt."""
    with opened.store.engine.begin() as conn:
        conn.execute(update(t.entries).where(t.entries.c.idx == 3).values(leaf=b"{}"))
    with pytest.raises(LedgerCorruptError, match="entry 3 does not match its stored hash"):
        opened.tree.load(EMPTY)
    assert opened.corrupt == [opened.tree.corrupt]
    assert opened.tree.head.size == 0


@pytest.mark.parametrize("level", [0, 1])
def test_an_altered_hash_tile_is_reported(ledger_url: str, level: int) -> None:
    """Entries intact, a stored tile rewritten (full tile 0/0, or the partial 1/0 above
    it): loading names the tile."""
    _fill(ledger_url, 300)
    opened = _Opened(ledger_url)
    try:
        with opened.store.engine.begin() as conn:
            conn.execute(update(t.tiles).where(t.tiles.c.level == level, t.tiles.c.idx == 0)
                         .values(hashes=bytes(32 * (256 if level == 0 else 1))))
        with pytest.raises(LedgerCorruptError,
                           match=f"hash tile {level}/0 does not match entries 0\\.\\.299"):
            opened.tree.load(EMPTY)
    finally:
        opened.store.close()


def test_proofs_come_from_tiles_through_a_bounded_cache(ledger_url: str) -> None:
    """Roots and proofs over four full tiles and a partial one equal the in-memory tree's,
    while the cache never holds more full tiles than it may."""
    _fill(ledger_url, 4 * 256 + 10)
    opened = _Opened(ledger_url, cached_tiles=2)
    try:
        opened.tree.load(EMPTY)
        size = opened.tree.head.size
        reference = MerkleTree()
        reference.extend(opened.tree.leaf(i) for i in range(size))
        for index in range(0, size, 97):
            assert opened.tree.inclusion_proof(index, size) == reference.inclusion_proof(
                index, size)
            assert len(opened.tree.cache) <= 2
        assert opened.tree.consistency_proof(300, size) == reference.consistency_proof(300,
                                                                                       size)
        assert opened.tree.root(700) == reference.root(700)
    finally:
        opened.store.close()
