"""The ledger's file: an append-only SQLite table of leaves plus the signed checkpoints.

SQLite in WAL mode with ``synchronous=FULL``: a commit is on disk (fsync'd) before it
returns, so an acknowledged entry survives a crash of the process or of the machine. Several
processes may append to one file: each write (``write``) is a ``BEGIN IMMEDIATE``
transaction, taken in turn with other processes' writers (two lock files beside the
ledger), inside which the writer first reads what the others committed since it last
looked; readers open their own connections.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import orjson

from aggregator.files import private_file
from aggregator.ledger.entries import EntryKind
from aggregator.ledger.errors import WriteLockError

__all__ = ["EntryFilter", "LedgerStore", "LedgerView", "LedgerWrite", "Row", "StoredCheckpoint",
           "StoredEntry"]

# idx, leaf, hash, kind, at, subject, actor, agencies, consent
Row = tuple[int, bytes, bytes, str, str, str | None, str | None, str | None, str | None]

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
-- The other consents an access entry relied on (DETAILS under another consent than STATUS,
-- whose id is in entries.consent): derived from the leaf on insert, so use counts find them.
CREATE TABLE IF NOT EXISTS entry_consents (
    consent TEXT NOT NULL,
    idx     INTEGER NOT NULL,
    PRIMARY KEY (consent, idx)
) WITHOUT ROWID;
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


# How long a write waits for other processes' transactions (each one batch: milliseconds).
_BUSY_TIMEOUT_MS = 5000


def _connect(path: Path, *, read_only: bool = False) -> sqlite3.Connection:
    if read_only:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False,
                               isolation_level=None)
    else:
        conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
    conn.execute(f"PRAGMA busy_timeout={_BUSY_TIMEOUT_MS}")
    return conn


class LedgerView:
    """One consistent snapshot of the file (a read transaction), for catching up."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def hashes_from(self, start: int) -> Iterator[tuple[int, bytes, bytes]]:
        """(index, leaf, stored hash) for every entry at ``start`` or later, in order."""
        yield from self._conn.execute(
            "SELECT idx, leaf, hash FROM entries WHERE idx >= ? ORDER BY idx", (start,))

    def latest_checkpoint(self) -> StoredCheckpoint | None:
        """The newest signed checkpoint in this snapshot."""
        row = self._conn.execute(
            "SELECT size, note, signed_at FROM checkpoints ORDER BY size DESC LIMIT 1").fetchone()
        return StoredCheckpoint(*row) if row else None


class LedgerWrite(LedgerView):
    """The write transaction: a view of the latest state that may also append."""

    def insert(self, rows: Sequence[Row], checkpoint: StoredCheckpoint) -> None:
        """Add entries and the checkpoint covering them (committed when the block ends)."""
        self._conn.executemany(
            "INSERT INTO entries (idx, leaf, hash, kind, at, subject, actor, agencies, "
            "consent) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        self._conn.executemany(
            "INSERT OR IGNORE INTO entry_consents (consent, idx) VALUES (?, ?)",
            _other_consents(rows))
        self._conn.execute("INSERT INTO checkpoints (size, note, signed_at) VALUES (?, ?, ?)",
                           (checkpoint.size, checkpoint.note, checkpoint.signed_at))


class _FileLock:
    """An exclusive lock shared by every process (flock on a file next to the ledger); the
    kernel releases it if its holder dies."""

    def __init__(self, path: Path) -> None:
        self._fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)

    @contextmanager
    def held(self) -> Iterator[None]:
        """Wait for the lock (without a time limit), hold it for the block."""
        fcntl.flock(self._fd, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(self._fd, fcntl.LOCK_UN)

    def close(self) -> None:
        """Release the file (and the lock, if held)."""
        os.close(self._fd)


def _other_consents(rows: Sequence[Row]) -> Iterator[tuple[str, int]]:
    """(consent, index) for each consent an access entry names in ``consents`` beside the
    one in its ``consent`` column."""
    for row in rows:
        if row[3] != EntryKind.ACCESS or b'"consents"' not in row[1]:
            continue
        for relied in orjson.loads(row[1]).get("consents", ()):
            consent = relied.get("consent") if isinstance(relied, dict) else None
            if isinstance(consent, str) and consent != row[8]:
                yield consent, row[0]


def _rollback(conn: sqlite3.Connection) -> None:
    if conn.in_transaction:
        conn.execute("ROLLBACK")


class LedgerStore:
    """Reads and appends; ``write`` is the only way to write and is atomic."""

    def __init__(self, path: Path) -> None:
        self.path = path
        private_file(path)  # before SQLite creates it (and its WAL) under the umask
        self._write = _connect(path)
        self._write.executescript(_SCHEMA)
        self._read = _connect(path, read_only=True)
        # data_version only moves for commits by *other* connections, so the probe must be a
        # connection that never writes; and one that never holds a read transaction open,
        # which would freeze the value it reports.
        self._probe = _connect(path, read_only=True)
        self._probe_lock = threading.Lock()
        self._snapshots = _connect(path, read_only=True)
        # Writers take turns: SQLite alone lets a waiting writer poll with sleeps of up to
        # 100 ms, so a process committing back to back (a busy gateway) would starve another
        # (a CLI) until its busy timeout. A writer holds the turnstile while it waits for the
        # write lock, so the one releasing the write lock must wait behind it for its next turn.
        self._turnstile = _FileLock(path.with_name(path.name + ".turnstile"))
        self._write_lock = _FileLock(path.with_name(path.name + ".write-lock"))

    def data_version(self) -> int:
        """A number that changes whenever anyone (this process's writer included) commits."""
        with self._probe_lock:
            return int(self._probe.execute("PRAGMA data_version").fetchall()[0][0])

    def end(self) -> int:
        """One past the highest index on disk (0 when empty)."""
        with self._probe_lock:
            # fetchall: a statement left unfinished would hold a read transaction open on the
            # probe, freezing the data_version it reports.
            rows = self._probe.execute("SELECT coalesce(max(idx) + 1, 0) FROM entries").fetchall()
        return int(rows[0][0])

    @contextmanager
    def write(self) -> Iterator[LedgerWrite]:
        """One durable write transaction holding the file's write lock, taken in turn with
        other processes' writers; commits when the block ends without error."""
        with ExitStack() as held:
            with self._turnstile.held():
                held.enter_context(self._write_lock.held())
            yield from self._transaction()

    def _transaction(self) -> Iterator[LedgerWrite]:
        conn = self._write
        try:
            # Only a process that is not a Caseline ledger (sqlite3 on the command line) can
            # still hold the file here: wait for it up to the busy timeout.
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise WriteLockError(f"could not take the write lock of the ledger {self.path} "
                                 f"within {_BUSY_TIMEOUT_MS} ms: {exc}") from exc
        try:
            yield LedgerWrite(conn)
            conn.execute("COMMIT")
        except BaseException:
            _rollback(conn)
            raise

    @contextmanager
    def snapshot(self) -> Iterator[LedgerView]:
        """A consistent read of the file as of now. Not reentrant: callers serialise."""
        conn = self._snapshots
        conn.execute("BEGIN")
        try:
            yield LedgerView(conn)
        finally:
            _rollback(conn)  # ends the read transaction; there is nothing to keep

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
        """How many allowed reads relied on a consent (for any scope), and when the last
        one was."""
        row = self._read.execute(
            "SELECT count(*), max(at) FROM entries WHERE (consent = ? OR idx IN "
            "(SELECT idx FROM entry_consents WHERE consent = ?)) AND kind = 'access' "
            "AND json_extract(CAST(leaf AS TEXT), '$.decision') = 'ALLOW'",
            (consent_id, consent_id)).fetchone()
        return int(row[0]), row[1]

    def close(self) -> None:
        """Close every connection."""
        for conn in (self._snapshots, self._probe, self._read, self._write):
            conn.close()
        self._turnstile.close()
        self._write_lock.close()
