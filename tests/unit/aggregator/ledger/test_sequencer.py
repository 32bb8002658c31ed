"""One write turn at a time: the engine's session settings, PostgreSQL's advisory lock with a
clear error when it is held too long, and SQLite's lock files."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from aggregator.ledger.errors import WriteLockError
from aggregator.ledger.sequencer import (
    IDLE_IN_TRANSACTION_MS,
    LOCK_TIMEOUT_MS,
    SEQUENCER_KEY,
    AdvisoryLock,
    FileLocks,
    ledger_engine,
    sequencer_for,
)
from support.databases import fresh_database_url


def test_postgresql_sessions_end_abandoned_transactions_and_probe_the_peer(
        tmp_path: Path) -> None:
    """A holder that stops answering loses its transaction, and with it the lock."""
    with fresh_database_url("postgresql", tmp_path) as url:
        engine = ledger_engine(url)
        try:
            with engine.connect() as conn:
                shown = conn.execute(text("SHOW idle_in_transaction_session_timeout")).scalar()
                assert shown == f"{IDLE_IN_TRANSACTION_MS // 1000}s"
                assert conn.execute(text("SHOW tcp_keepalives_idle")).scalar() in {"5", "5s"}
            assert isinstance(sequencer_for(engine), AdvisoryLock)
        finally:
            engine.dispose()


def test_a_held_advisory_lock_fails_the_batch_with_a_clear_error(tmp_path: Path) -> None:
    with fresh_database_url("postgresql", tmp_path) as url:
        engine = ledger_engine(url)
        try:
            with engine.connect() as holder, holder.begin():
                holder.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": SEQUENCER_KEY})
                refused = pytest.raises(WriteLockError, match="could not become the ledger's "
                                        "sequencer: another process held the lock for over "
                                        "200 ms")
                with refused, AdvisoryLock(timeout_ms=200).turn(engine):
                    pass
            with AdvisoryLock(timeout_ms=200).turn(engine) as conn:  # released: it goes
                assert conn.execute(text("SELECT 1")).scalar() == 1
        finally:
            engine.dispose()


def test_sqlite_turns_are_taken_one_at_a_time(tmp_path: Path) -> None:
    """A second writer waits on the lock files until the first commits."""
    engine = ledger_engine(f"sqlite:///{tmp_path / 'ledger.sqlite3'}")
    first, second = FileLocks(tmp_path / "ledger.sqlite3"), FileLocks(tmp_path / "ledger.sqlite3")
    order: list[str] = []
    try:
        with first.turn(engine) as conn:
            conn.execute(text("CREATE TABLE t (x INTEGER)"))
            waiter = threading.Thread(target=lambda: _write(second, engine, order))
            waiter.start()
            waiter.join(0.2)
            order.append("first commits")
        waiter.join()
        assert order == ["first commits", "second wrote"]
    finally:
        first.close()
        second.close()
        engine.dispose()


def _write(locks: FileLocks, engine: object, order: list[str]) -> None:
    with locks.turn(engine) as conn:  # type: ignore[arg-type]
        conn.execute(text("INSERT INTO t VALUES (1)"))
        order.append("second wrote")


def test_only_sqlite_and_postgresql_are_ledger_engines() -> None:
    with pytest.raises(ValueError, match="SQLite or PostgreSQL, not mysql"):
        ledger_engine("mysql://localhost/x")


def test_a_holder_that_hangs_mid_batch_is_cut_off_and_the_next_writer_goes_on(
        tmp_path: Path) -> None:
    """A writer holding the sequencer's lock stops answering (here: idle inside its
    transaction, as a frozen process would be): the server ends its session, releasing the
    lock, before the next writer's lock timeout, so that writer's batch commits."""
    with fresh_database_url("postgresql", tmp_path) as url:
        engine = ledger_engine(url)
        try:
            hung = engine.connect()
            hung.begin()
            hung.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": SEQUENCER_KEY})
            assert IDLE_IN_TRANSACTION_MS < LOCK_TIMEOUT_MS
            with AdvisoryLock().turn(engine) as conn:  # waits, then gets the lock
                assert conn.execute(text("SELECT 1")).scalar() == 1
            with pytest.raises(DBAPIError, match="idle-in-transaction timeout") as cut:
                hung.execute(text("SELECT 1"))
            assert cut.value.connection_invalidated  # the pool drops it
            hung.close()
        finally:
            engine.dispose()


def test_a_connection_lost_mid_batch_fails_only_that_batch(tmp_path: Path) -> None:
    """The server ends the writer's session inside its turn: a WriteLockError (the batch is
    not acknowledged; the ledger does not fail closed), and the next turn works."""
    with fresh_database_url("postgresql", tmp_path) as url:
        engine = ledger_engine(url)
        try:
            with pytest.raises(WriteLockError, match="connection failed during a batch"), \
                    AdvisoryLock().turn(engine) as conn:
                pid = conn.execute(text("SELECT pg_backend_pid()")).scalar()
                with engine.connect() as other:
                    other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
                conn.execute(text("SELECT 1"))
            with AdvisoryLock().turn(engine) as conn:
                assert conn.execute(text("SELECT 1")).scalar() == 1
        finally:
            engine.dispose()
