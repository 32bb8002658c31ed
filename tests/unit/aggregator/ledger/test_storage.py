"""The ledger's storage on both engines: auditors' filters, use counts from the stored
decision, checkpoints paged for exports; and a file written by an earlier version opens
with every entry, its tiles built in place."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from aggregator.ledger import storage
from aggregator.ledger.entries import Entry, EntryKind
from aggregator.ledger.ledger import Ledger
from aggregator.ledger.merkle import verify_inclusion
from aggregator.ledger.storage import EntryFilter
from aggregator.ledger.verifier import verify_export
from support import ledger_golden as golden

# The schema of ledger files before the ledger moved to SQLAlchemy (no decision column, no
# tiles), as storage.py created it.
OLD_SCHEMA = """
CREATE TABLE entries (
    idx INTEGER PRIMARY KEY, leaf BLOB NOT NULL, hash BLOB NOT NULL, kind TEXT NOT NULL,
    at TEXT NOT NULL, subject TEXT, actor TEXT, agencies TEXT, consent TEXT);
CREATE INDEX entries_subject ON entries (subject, idx);
CREATE INDEX entries_actor ON entries (actor, idx);
CREATE INDEX entries_consent ON entries (consent, idx);
CREATE TABLE entry_consents (consent TEXT NOT NULL, idx INTEGER NOT NULL,
    PRIMARY KEY (consent, idx)) WITHOUT ROWID;
CREATE TABLE checkpoints (size INTEGER PRIMARY KEY, note TEXT NOT NULL,
    signed_at TEXT NOT NULL);
"""


def _access(n: int, decision: str, consent: str, relied: str | None = None) -> Entry:
    body: dict[str, object] = {"decision": decision, "n": n}
    if relied is not None:
        body["consents"] = [{"scope": "DETAILS", "consent": relied}]
    return Entry(EntryKind.ACCESS, body, subject=f"psn_{n % 3}", actor="psn_x",
                 agencies=("labor",) if n % 2 else ("courts",), consent=consent)


def _appended(ledger: Ledger, entries: list[Entry]) -> None:
    for future in [ledger.submit(entry) for entry in entries]:
        future.result()


def test_filters_and_use_counts(ledger_url: str) -> None:
    """Each filter narrows by its column; use counts are allowed reads under a consent,
    in its own column or among the consents an entry relied on."""
    ledger = Ledger(ledger_url, golden.signer())
    try:
        _appended(ledger, [_access(0, "ALLOW", "c1"), _access(1, "DENY", "c1"),
                           _access(2, "ALLOW", "c2", relied="c1"), _access(3, "ALLOW", "c2"),
                           Entry(EntryKind.KEY, {"event": "ROTATED"})])
        store = ledger.store
        assert [e.index for e in store.find(EntryFilter(subject="psn_0"))] == [0, 3]
        assert [e.index for e in store.find(EntryFilter(agency="labor"))] == [1, 3]
        assert [e.index for e in store.find(EntryFilter(kind="key"))] == [4]
        assert [e.index for e in store.find(EntryFilter(newest_first=True, limit=2))] == [4, 3]
        assert [e.index for e in store.find(EntryFilter(after_index=1, before_index=4))] == [2, 3]
        assert [e.index for e in store.find(EntryFilter(not_actor="psn_x"))] == [4]
        found = store.entry(2)
        assert found is not None and found.agencies == ("courts",) and found.consent == "c2"
        uses, last = store.usage("c1")
        assert uses == 2 and last == found.at
        assert store.usage("c2")[0] == 2 and store.usage("none") == (0, None)
    finally:
        ledger.close()


def test_checkpoints_are_paged_and_thinned(ledger_url: str,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """One checkpoint per batch; an export asks for those at least a gap apart and the last,
    across pages."""
    ledger = Ledger(ledger_url, golden.signer())
    try:
        for n in range(7):
            ledger.append_sync(_access(n, "ALLOW", "c1"))
        monkeypatch.setattr(storage, "PAGE", 2)
        assert [c.size for c in ledger.store.checkpoints(1, 7)] == list(range(1, 8))
        assert [c.size for c in ledger.store.checkpoints(3, 6)] == [3, 6]
        assert [i for i, _ in ledger.store.leaves(2, 7)] == [2, 3, 4, 5, 6]
    finally:
        ledger.close()


def _old_file(tmp_path: Path) -> tuple[Path, int, bytes]:
    """A ledger file in the earlier layout holding 300 entries (rows copied from a ledger
    written now, whose tiles and decisions are dropped); its size and root."""
    made = tmp_path / "made.sqlite3"
    ledger = Ledger(made, golden.signer())
    _appended(ledger, [_access(n, "ALLOW" if n % 4 else "DENY", "c1") for n in range(300)])
    size, root = ledger.size, ledger.root()
    ledger.close()
    old = tmp_path / "old.sqlite3"
    with closing(sqlite3.connect(old)) as conn:
        conn.executescript(OLD_SCHEMA)
        conn.execute("ATTACH DATABASE ? AS made", (str(made),))
        with conn:
            conn.execute("INSERT INTO entries SELECT idx, leaf, hash, kind, at, subject, actor, "
                         "agencies, consent FROM made.entries")
            conn.execute("INSERT INTO entry_consents SELECT * FROM made.entry_consents")
            conn.execute("INSERT INTO checkpoints SELECT * FROM made.checkpoints")
    return old, size, root


def test_a_file_from_an_earlier_version_opens_with_every_entry(tmp_path: Path) -> None:
    """The tiles and the decision column are built in place: same size and root, proofs,
    use counts and an export that verifies; appends continue the chain."""
    path, size, root = _old_file(tmp_path)
    ledger = Ledger(path, golden.signer())
    try:
        assert ledger.size == size and ledger.root() == root
        verify_inclusion(ledger.leaf_hash(123), 123, size, ledger.inclusion_proof(123), root)
        assert ledger.store.usage("c1")[0] == 225
        assert ledger.append_sync(_access(300, "ALLOW", "c1")).index == 300
        lines = [line.decode().rstrip("\n") for line in ledger.export()]
        result = verify_export(lines, pinned_vkey=ledger.verifier_key())
        assert result.ok and result.entries == 301, result.message
    finally:
        ledger.close()
    with closing(sqlite3.connect(path)) as conn:
        assert conn.execute("SELECT count(*) FROM entries").fetchone() == (301,)
