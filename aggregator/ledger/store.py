"""The ledger's file: an append-only SQLite table of leaves plus the signed checkpoints.

SQLite in WAL mode with ``synchronous=FULL``: a commit is on disk (fsync'd) before it
returns, so an acknowledged entry survives a crash of the process or of the machine. Only
the ledger writer thread writes; readers open their own connections.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = ["EntryFilter", "LedgerStore", "StoredCheckpoint", "StoredEntry"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS entries (
    idx      INTEGER PRIMARY KEY,
    leaf     BLOB NOT NULL,
    hash     BLOB NOT NULL,
    kind     TEXT NOT NULL,
    at       TEXT NOT NULL,
    subject  TEXT,
    actor    TEXT,
    agencies TEXT,
    consent  TEXT
);
CREATE INDEX IF NOT EXISTS entries_subject ON entries (subject, idx);
CREATE INDEX IF NOT EXISTS entries_actor ON entries (actor, idx);
CREATE INDEX IF NOT EXISTS entries_consent ON entries (consent, idx);
CREATE TABLE IF NOT EXISTS checkpoints (
    size      INTEGER PRIMARY KEY,
    note      TEXT NOT NULL,
    signed_at TEXT NOT NULL
);
"""


@dataclass(frozen=True, slots=True)
class StoredEntry:
    """One ledger row: index, leaf bytes and the columns auditors filter on."""

    index: int
    leaf: bytes
    kind: str
    at: str
    subject: str | None
    actor: str | None
    agencies: tuple[str, ...]
    consent: str | None


@dataclass(frozen=True, slots=True)
class StoredCheckpoint:
    """A signed checkpoint note of the tree at ``size``."""

    size: int
    note: str
    signed_at: str


@dataclass(frozen=True, slots=True)
class EntryFilter:
    """Auditor filters; every field is optional and they combine with AND."""

    subject: str | None = None
    actor: str | None = None
    agency: str | None = None
    consent: str | None = None
    kind: str | None = None
    since: str | None = None
    until: str | None = None
    not_actor: str | None = None
    after_index: int = -1
    before_index: int | None = None
    newest_first: bool = False
    limit: int = 100


def _connect(path: Path, *, read_only: bool = False) -> sqlite3.Connection:
    if read_only:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False,
                               isolation_level=None)
    else:
        conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA busy_timeout=5000")
    return conn


class LedgerStore:
    """Reads and appends; ``append_batch`` is the only write and is atomic."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._write = _connect(path)
        self._write.executescript(_SCHEMA)
        self._read = _connect(path, read_only=True)

    def load_hashes(self) -> Iterator[tuple[int, bytes, bytes]]:
        """Every (index, leaf, stored hash) in order, for rebuilding the tree at start."""
        conn = _connect(self.path, read_only=True)
        try:
            yield from conn.execute("SELECT idx, leaf, hash FROM entries ORDER BY idx")
        finally:
            conn.close()

    def append_batch(self, rows: Sequence[tuple[int, bytes, bytes, str, str, str | None,
                                                str | None, str | None, str | None]],
                     checkpoint: StoredCheckpoint) -> None:
        """Append entries and the checkpoint covering them in one durable transaction."""
        conn = self._write
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.executemany(
                "INSERT INTO entries (idx, leaf, hash, kind, at, subject, actor, agencies, "
                "consent) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
            conn.execute("INSERT INTO checkpoints (size, note, signed_at) VALUES (?, ?, ?)",
                         (checkpoint.size, checkpoint.note, checkpoint.signed_at))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    def latest_checkpoint(self) -> StoredCheckpoint | None:
        """The newest signed checkpoint."""
        row = self._read.execute(
            "SELECT size, note, signed_at FROM checkpoints ORDER BY size DESC LIMIT 1").fetchone()
        return StoredCheckpoint(*row) if row else None

    def checkpoint_at(self, size: int) -> StoredCheckpoint | None:
        """The checkpoint signed at exactly ``size``, if one was."""
        row = self._read.execute(
            "SELECT size, note, signed_at FROM checkpoints WHERE size = ?", (size,)).fetchone()
        return StoredCheckpoint(*row) if row else None

    def checkpoints(self, min_gap: int, up_to: int) -> Iterator[StoredCheckpoint]:
        """Checkpoints up to ``up_to``, at least ``min_gap`` entries apart, always with the
        one at ``up_to`` (an export needs a handful, not one per batch)."""
        last = 0
        # Its own connection: an export streams from a worker thread for a long while.
        conn = _connect(self.path, read_only=True)
        try:
            for row in conn.execute(
                    "SELECT size, note, signed_at FROM checkpoints WHERE size <= ? "
                    "ORDER BY size", (up_to,)):
                if row[0] == up_to or row[0] - last >= min_gap:
                    last = row[0]
                    yield StoredCheckpoint(*row)
        finally:
            conn.close()

    def leaves(self, start: int, stop: int) -> Iterator[tuple[int, bytes]]:
        """(index, leaf) for start <= index < stop, in order."""
        conn = _connect(self.path, read_only=True)
        try:
            yield from conn.execute(
                "SELECT idx, leaf FROM entries WHERE idx >= ? AND idx < ? ORDER BY idx",
                (start, stop))
        finally:
            conn.close()

    def entry(self, index: int) -> StoredEntry | None:
        """One entry by index."""
        rows = self.find(EntryFilter(after_index=index - 1, limit=1))
        return rows[0] if rows and rows[0].index == index else None

    def find(self, where: EntryFilter) -> list[StoredEntry]:
        """Entries matching ``where``, by index, at most ``where.limit``."""
        clauses = ["idx > ?"]
        params: list[object] = [where.after_index]
        for column, value in (("subject", where.subject), ("actor", where.actor),
                              ("consent", where.consent), ("kind", where.kind)):
            if value is not None:
                clauses.append(f"{column} = ?")
                params.append(value)
        if where.not_actor is not None:
            clauses.append("(actor IS NULL OR actor != ?)")
            params.append(where.not_actor)
        if where.before_index is not None:
            clauses.append("idx < ?")
            params.append(where.before_index)
        if where.agency is not None:
            clauses.append("agencies LIKE ?")
            params.append(f"%,{where.agency},%")
        if where.since is not None:
            clauses.append("at >= ?")
            params.append(where.since)
        if where.until is not None:
            clauses.append("at < ?")
            params.append(where.until)
        params.append(where.limit)
        rows = self._read.execute(
            "SELECT idx, leaf, kind, at, subject, actor, agencies, consent FROM entries "
            f"WHERE {' AND '.join(clauses)} ORDER BY idx {'DESC' if where.newest_first else ''} "
            "LIMIT ?", params).fetchall()
        return [StoredEntry(r[0], r[1], r[2], r[3], r[4], r[5],
                            tuple(a for a in (r[6] or "").split(",") if a), r[7])
                for r in rows]

    def usage(self, consent_id: str) -> tuple[int, str | None]:
        """How many allowed reads relied on a consent, and when the last one was."""
        row = self._read.execute(
            "SELECT count(*), max(at) FROM entries WHERE consent = ? AND kind = 'access' "
            "AND json_extract(CAST(leaf AS TEXT), '$.decision') = 'ALLOW'",
            (consent_id,)).fetchone()
        return int(row[0]), row[1]

    def close(self) -> None:
        """Close both connections."""
        self._read.close()
        self._write.close()
