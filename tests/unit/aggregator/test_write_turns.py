"""Write turns: one writer at a time per SQLite database in this process, reentrant, and
nothing held for other databases or other engines."""

from __future__ import annotations

import threading
from pathlib import Path

from sqlalchemy import create_engine
from sqlalchemy.engine import Engine

from aggregator.write_turns import write_turn

WAIT_S = 30.0


def _sqlite(path: Path) -> Engine:
    return create_engine(f"sqlite:///{path}")


def _holding(engine: Engine) -> tuple[threading.Thread, threading.Event]:
    """A thread holding ``engine``'s turn until told: (thread, let go)."""
    holding, let_go = threading.Event(), threading.Event()

    def hold() -> None:
        with write_turn(engine):
            holding.set()
            let_go.wait(WAIT_S)

    thread = threading.Thread(target=hold, daemon=True)
    thread.start()
    assert holding.wait(WAIT_S)
    return thread, let_go


def _enters(engine: Engine) -> tuple[threading.Thread, threading.Event]:
    """A thread that takes ``engine``'s turn and leaves at once: (thread, entered)."""
    entered = threading.Event()

    def enter() -> None:
        with write_turn(engine):
            entered.set()

    thread = threading.Thread(target=enter, daemon=True)
    thread.start()
    return thread, entered


def test_a_second_writer_of_one_database_waits_for_the_first(tmp_path: Path) -> None:
    """Two engines on one file (as the store and the outbox may be) share the turn."""
    holder, let_go = _holding(_sqlite(tmp_path / "db.sqlite3"))
    waiter, entered = _enters(_sqlite(tmp_path / "db.sqlite3"))
    assert not entered.wait(0.2)
    let_go.set()
    assert entered.wait(WAIT_S)
    holder.join(WAIT_S)
    waiter.join(WAIT_S)


def test_the_holder_may_take_its_turn_again(tmp_path: Path) -> None:
    """A writer that seals inside its own turn (the same thread) goes on."""
    engine = _sqlite(tmp_path / "db.sqlite3")
    done = threading.Event()

    def nested() -> None:
        with write_turn(engine), write_turn(engine):
            done.set()

    thread = threading.Thread(target=nested, daemon=True)
    thread.start()
    assert done.wait(WAIT_S)
    thread.join(WAIT_S)


def test_other_databases_and_other_engines_take_no_turn(tmp_path: Path) -> None:
    """A held turn on one file holds back neither another file nor PostgreSQL (which locks
    rows; nothing connects here)."""
    holder, let_go = _holding(_sqlite(tmp_path / "one.sqlite3"))
    try:
        for engine in (_sqlite(tmp_path / "two.sqlite3"),
                       create_engine("postgresql+psycopg://127.0.0.1/test")):
            thread, entered = _enters(engine)
            assert entered.wait(WAIT_S), engine.url
            thread.join(WAIT_S)
    finally:
        let_go.set()
        holder.join(WAIT_S)
