"""dispose_when_idle: a query still running in a worker thread when the store closes gets
its connection closed too, not dropped open with the discarded pool."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from aggregator.store import make_engine
from aggregator.store.disposal import dispose_when_idle


def _in_flight(engine_url: str, wait_s: float) -> sqlite3.Connection:
    """A thread holds a connection for 0.3 s while the engine is disposed; its DBAPI
    connection."""
    engine = make_engine(engine_url)
    taken = threading.Event()
    held: list[sqlite3.Connection] = []

    def query() -> None:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
            held.append(conn.connection.dbapi_connection)  # type: ignore[arg-type]
            taken.set()
            time.sleep(0.3)

    worker = threading.Thread(target=query)
    worker.start()
    assert taken.wait(5)
    dispose_when_idle(engine, wait_s)
    worker.join()
    return held[0]


def test_a_connection_in_use_is_waited_for_and_closed(tmp_path: Path) -> None:
    """The query ends, then its connection is closed with the rest."""
    connection = _in_flight(f"sqlite:///{tmp_path / 'db.sqlite3'}", 5.0)
    with pytest.raises(sqlite3.ProgrammingError, match="closed"):
        connection.execute("SELECT 1")


def test_without_waiting_it_would_stay_open(tmp_path: Path) -> None:
    """What the wait is for: disposed at once, the late connection is left open."""
    connection = _in_flight(f"sqlite:///{tmp_path / 'db.sqlite3'}", 0.0)
    assert connection.execute("SELECT 1").fetchone() == (1,)
    connection.close()
