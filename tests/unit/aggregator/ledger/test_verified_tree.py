"""The verified tree: it takes in entries on disk only after checking their hashes, links
and the signed checkpoint over them, and follows entries appended after it loaded."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

from aggregator.ledger.entries import Entry, EntryKind
from aggregator.ledger.errors import LedgerCorruptError
from aggregator.ledger.ledger import Ledger
from aggregator.ledger.merkle import empty_root
from aggregator.ledger.note import NoteVerifier
from aggregator.ledger.storage import LedgerStore, StoredCheckpoint
from aggregator.ledger.verified_tree import VerifiedTree, prev_text
from support import ledger_golden as golden

EMPTY = StoredCheckpoint(0, "unused: the file has its own head", "t")


class _Opened:
    def __init__(self, path: Path) -> None:
        self.store = LedgerStore(path)
        self.corrupt: list[LedgerCorruptError] = []
        verifier = NoteVerifier.from_vkey(golden.signer().verifier_key())
        self.tree = VerifiedTree(self.store, verifier, on_corrupt=self.corrupt.append)


@pytest.fixture
def path(tmp_path: Path) -> Path:
    """A ledger file holding five entries."""
    ledger = Ledger(tmp_path / "ledger.sqlite3", golden.signer())
    for n in range(5):
        ledger.append_sync(Entry(EntryKind.KEY, {"event": "ROTATED", "n": n}))
    ledger.close()
    return tmp_path / "ledger.sqlite3"


@pytest.fixture
def opened(path: Path) -> Iterator[_Opened]:
    opened = _Opened(path)
    yield opened
    opened.store.close()


def test_prev_is_empty_before_the_first_entry_and_base64_after() -> None:
    """The chain link as a leaf records it."""
    assert prev_text(b"") == ""
    assert prev_text(b"\x00\x01") == "AAE="


def test_a_new_file_starts_at_the_signed_empty_tree(tmp_path: Path) -> None:
    """Nothing on disk: the head is the empty tree's checkpoint it was given."""
    opened = _Opened(tmp_path / "new.sqlite3")
    try:
        opened.tree.load(EMPTY)
        assert opened.tree.head.size == 0 and opened.tree.head.checkpoint is EMPTY
        assert opened.tree.root(0) == empty_root()
    finally:
        opened.store.close()


def test_loading_takes_in_and_checks_every_entry(opened: _Opened) -> None:
    """The head is the file's latest signed checkpoint, and the tree reproduces its root."""
    opened.tree.load(EMPTY)
    head = opened.tree.head
    assert head.size == 5 and head.checkpoint.size == 5
    signed = NoteVerifier.from_vkey(golden.signer().verifier_key()).open(head.checkpoint.note)
    assert opened.tree.root(5) == signed.root
    assert not opened.corrupt


def test_entries_appended_after_loading_are_followed_on_refresh(opened: _Opened,
                                                                path: Path) -> None:
    """Another writer's entries appear after a refresh, checked like the rest."""
    opened.tree.load(EMPTY)
    ledger = Ledger(path, golden.signer())
    try:
        ledger.append_sync(Entry(EntryKind.KEY, {"event": "ROTATED", "n": 5}))
        assert opened.tree.head.size == 5
        opened.tree.refresh()
        assert opened.tree.head.size == 6
        assert opened.tree.root(6) == ledger.root(6)
    finally:
        ledger.close()


def test_an_altered_entry_is_reported_and_never_taken_in(opened: _Opened, path: Path) -> None:
    """The error names the entry; the corruption is recorded and handed to on_corrupt."""
    with closing(sqlite3.connect(path)) as conn, conn:
        conn.execute("UPDATE entries SET leaf = CAST('{}' AS BLOB) WHERE idx = 3")
    with pytest.raises(LedgerCorruptError, match="entry 3 does not match its stored hash"):
        opened.tree.load(EMPTY)
    assert opened.corrupt == [opened.tree.corrupt]
    assert opened.tree.head.size == 0
