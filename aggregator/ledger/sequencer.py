"""One sequencer at a time: the ledger's engine, and the write turn every batch takes.

Any process may append (gateway replicas, the CLI), but a batch decides its entries' indices
and chain links only while it holds the ledger's one write turn, after reading what the last
holder committed:

- SQLite: two lock files beside the ledger (a turnstile, so that a process committing back
  to back cannot starve another, and the write lock), then ``BEGIN IMMEDIATE``. WAL and
  ``synchronous=FULL``: a commit is fsync'd before it returns. The kernel drops a dead
  holder's flocks.
- PostgreSQL: ``pg_advisory_xact_lock`` as the transaction's first statement, under a
  ``lock_timeout`` (a clear WriteLockError rather than waiting for ever). The lock goes with
  the transaction: a holder that dies closes its socket and the server ends its transaction
  at once; one that hangs or vanishes from the network is cut off by
  ``idle_in_transaction_session_timeout`` and TCP keepalives within seconds. The write
  transaction is READ COMMITTED, so its statements after the lock see the last holder's
  commit; catching up outside the lock reads a REPEATABLE READ snapshot.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from pathlib import Path
from typing import Protocol

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError

from aggregator.files import private_file
from aggregator.ledger.errors import WriteLockError

__all__ = ["BUSY_TIMEOUT_MS", "IDLE_IN_TRANSACTION_MS", "LOCK_TIMEOUT_MS", "SEQUENCER_KEY",
           "AdvisoryLock", "FileLocks", "Sequencer", "ledger_engine", "sequencer_for"]

# How long a SQLite write waits for a process that is not a Caseline ledger (sqlite3 on the
# command line) holding the file; Caseline writers wait their turn on the lock files.
BUSY_TIMEOUT_MS = 5000
# How long a PostgreSQL batch waits for the sequencer's lock: many batches of a few
# milliseconds each, so seconds mean a holder that stopped, not a queue.
LOCK_TIMEOUT_MS = 10_000
# A holder idle inside its transaction this long is gone (a batch's transaction never waits
# on anything but its own statements): the server ends it and its lock goes.
IDLE_IN_TRANSACTION_MS = 5000
# The key of the advisory lock every ledger writer takes ("caseline" in ASCII, < 2**63).
SEQUENCER_KEY = 0x636173656C696E65

# libpq's client-side TCP keepalives: a server that vanished is noticed within ~10 s.
_PG_CONNECT_ARGS = {"keepalives": 1, "keepalives_idle": 5, "keepalives_interval": 2,
                    "keepalives_count": 3, "connect_timeout": 10}


def _sqlite_connect(dbapi_conn: object, _record: object) -> None:
    # pysqlite's own transaction handling defers BEGIN until the first write; the ledger
    # needs BEGIN IMMEDIATE for writes and a real snapshot for reads, so it says BEGIN itself.
    dbapi_conn.isolation_level = None  # type: ignore[attr-defined]
    cursor = dbapi_conn.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.close()


def _sqlite_begin(conn: Connection) -> None:
    mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
    conn.exec_driver_sql(f"BEGIN {mode}")


def _pg_connect(dbapi_conn: object, _record: object) -> None:
    cursor = dbapi_conn.cursor()  # type: ignore[attr-defined]
    cursor.execute(f"SET idle_in_transaction_session_timeout = {IDLE_IN_TRANSACTION_MS}")
    # The server's side of the keepalives: a client that vanished is dropped within ~10 s.
    cursor.execute("SET tcp_keepalives_idle = 5")
    cursor.execute("SET tcp_keepalives_interval = 2")
    cursor.execute("SET tcp_keepalives_count = 3")
    cursor.close()
    dbapi_conn.commit()  # type: ignore[attr-defined]


def ledger_engine(url: str) -> Engine:
    """The engine for the ledger at ``url`` (``sqlite:///path`` or a PostgreSQL URL), with
    the session settings above; a SQLite file is created private."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            private_file(Path(parsed.database))  # before SQLite creates it (and its WAL)
        engine = create_engine(parsed)
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    if parsed.get_backend_name() != "postgresql":
        raise ValueError(f"the ledger runs on SQLite or PostgreSQL, not {parsed.drivername}")
    engine = create_engine(parsed, connect_args=dict(_PG_CONNECT_ARGS), pool_pre_ping=True)
    event.listen(engine, "connect", _pg_connect)
    return engine


class Sequencer(Protocol):
    """Hands out the ledger's one write turn."""

    def turn(self, engine: Engine) -> AbstractContextManager[Connection]:
        """A transaction holding the write turn, committed when the block ends without
        error."""
        ...

    def close(self) -> None:
        """Release what the sequencer holds open."""
        ...


class _FileLock:
    """An exclusive flock on a file next to the ledger, shared by every process."""

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


class FileLocks:
    """SQLite's write turn: the turnstile, then the write lock, then BEGIN IMMEDIATE."""

    def __init__(self, path: Path) -> None:
        self.path = path
        # SQLite alone lets a waiting writer poll with sleeps of up to 100 ms, so a process
        # committing back to back would starve another until its busy timeout. A writer holds
        # the turnstile while it waits for the write lock, so the one releasing the write
        # lock must wait behind it for its next turn.
        self._turnstile = _FileLock(path.with_name(path.name + ".turnstile"))
        self._write_lock = _FileLock(path.with_name(path.name + ".write-lock"))

    @contextmanager
    def turn(self, engine: Engine) -> Iterator[Connection]:
        """The write turn (see the class)."""
        with ExitStack() as held:
            with self._turnstile.held():
                held.enter_context(self._write_lock.held())
            conn = held.enter_context(engine.connect())
            try:
                transaction = conn.execution_options(sqlite_begin="IMMEDIATE").begin()
            except OperationalError as exc:
                raise WriteLockError(
                    f"could not take the write lock of the ledger {self.path} within "
                    f"{BUSY_TIMEOUT_MS} ms: {exc}") from exc
            with transaction:
                yield conn

    def close(self) -> None:
        """Close the lock files."""
        self._turnstile.close()
        self._write_lock.close()


class AdvisoryLock:
    """PostgreSQL's write turn: the advisory lock as the transaction's first statement."""

    def __init__(self, key: int = SEQUENCER_KEY, timeout_ms: int = LOCK_TIMEOUT_MS) -> None:
        self._key = key
        self._timeout_ms = timeout_ms

    @contextmanager
    def turn(self, engine: Engine) -> Iterator[Connection]:
        """The write turn (see the class)."""
        try:
            with engine.connect() as conn:
                conn.execution_options(isolation_level="READ COMMITTED")
                with conn.begin():
                    conn.execute(text(f"SET LOCAL lock_timeout = {self._timeout_ms}"))
                    try:
                        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"),
                                     {"key": self._key})
                    except OperationalError as exc:
                        raise WriteLockError(
                            "could not become the ledger's sequencer: another process held "
                            f"the lock for over {self._timeout_ms} ms ({exc.orig})") from exc
                    yield conn
        except DBAPIError as exc:
            if not (isinstance(exc, OperationalError) or exc.connection_invalidated):
                raise
            # The connection failed mid-batch (the server went away, or ended the session,
            # e.g. after the idle timeout): whether the commit landed is unknown, so nothing
            # of the batch is acknowledged; the next batch takes in what did land.
            raise WriteLockError(f"the ledger's database connection failed during a batch: "
                                 f"{exc.orig}") from exc

    def close(self) -> None:
        """Nothing is held between turns."""


def sequencer_for(engine: Engine) -> Sequencer:
    """The write turn that suits the engine."""
    if engine.dialect.name == "sqlite":
        database = engine.url.database
        if not database or database == ":memory:":
            raise ValueError("a SQLite ledger needs a file")
        return FileLocks(Path(database))
    return AdvisoryLock()
