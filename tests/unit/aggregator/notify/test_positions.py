"""The JetStream matcher's stored position (aggregator/notify/positions.py): two matchers
making the first move at once (a new stream or consumer) both succeed, on SQLite and on
PostgreSQL, and the position ends at the larger sequence."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from aggregator.notify.positions import (
    AlreadyMatched,
    advance,
    advance_to,
    position,
    stream_positions,
)
from support.databases import fresh_database_url

T0 = datetime(2026, 12, 2, 9, 30, tzinfo=UTC)
# A bound on waiting for the other thread (never reached when the code works).
WAIT_S = 30.0


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sa.Engine]:
    with fresh_database_url(request.param, tmp_path) as url:
        # SQLite: a writer waits for the other's lock (rather than failing) for as long as
        # the test may take.
        extra: dict[str, Any] = {"connect_args": {"timeout": WAIT_S}} \
            if request.param == "sqlite" else {}
        created = sa.create_engine(url, **extra)
        stream_positions.metadata.create_all(created, tables=[stream_positions])
        yield created
        created.dispose()


def _race(engine: sa.Engine, first: Callable[[Connection], None],
          second: Callable[[Connection], None]) -> list[BaseException]:
    """``first`` runs in a transaction left open; ``second`` runs in another thread, and
    ``first`` commits once ``second`` is about to insert (after whatever it read, before its
    insert lands): the interleaving of two matchers that both saw no position. Returns what
    ``second`` raised."""
    failures: list[BaseException] = []
    inserting = threading.Event()

    def about_to_insert(conn: Connection, cursor: object, statement: str, *args: object
                        ) -> None:
        if statement.lstrip().upper().startswith("INSERT"):
            inserting.set()

    def other() -> None:
        try:
            with engine.connect() as conn:
                sa.event.listen(conn, "before_cursor_execute", about_to_insert)
                with conn.begin():
                    second(conn)
        except BaseException as exc:  # reported to the test's thread
            failures.append(exc)
        finally:
            inserting.set()

    with engine.begin() as conn:
        first(conn)
        thread = threading.Thread(target=other)
        thread.start()
        assert inserting.wait(WAIT_S), "the second matcher never came to insert"
    thread.join(WAIT_S)
    assert not thread.is_alive()
    return failures


def test_two_first_moves_at_once_both_succeed(engine: sa.Engine) -> None:
    """``advance_to`` from two matchers on a position not stored yet: no key violation,
    and the larger sequence stays."""
    failures = _race(engine, advance_to("S", "c", 7, T0), advance_to("S", "c", 9, T0))
    assert not failures, failures
    assert position(engine, "S", "c") == 9


def test_a_first_move_behind_the_other_leaves_it_and_refuses_when_strict(
        engine: sa.Engine) -> None:
    """The second matcher's sequence is behind the first's: ``advance_to`` leaves the
    position where it is; ``advance`` refuses with AlreadyMatched (not a key violation)."""
    assert not _race(engine, advance_to("S", "a", 9, T0), advance_to("S", "a", 7, T0))
    assert position(engine, "S", "a") == 9
    failures = _race(engine, advance("S", "b", 9, T0), advance("S", "b", 7, T0))
    assert [type(f) for f in failures] == [AlreadyMatched], failures
    assert position(engine, "S", "b") == 9


def test_moves_forward_only_on_both_engines(engine: sa.Engine) -> None:
    """One matcher: 5, then 3 and 5 refused by ``advance`` and left by ``advance_to``,
    then 6."""
    with engine.begin() as conn:
        advance("S", "c", 5, T0)(conn)
    for again in (3, 5):
        with pytest.raises(AlreadyMatched), engine.begin() as conn:
            advance("S", "c", again, T0)(conn)
        with engine.begin() as conn:
            advance_to("S", "c", again, T0)(conn)
        assert position(engine, "S", "c") == 5
    with engine.begin() as conn:
        advance("S", "c", 6, T0)(conn)
    assert position(engine, "S", "c") == 6
    assert position(engine, "S", "other") == 0
