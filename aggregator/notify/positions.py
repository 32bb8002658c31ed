"""Where a JetStream matcher stands in the change stream: the last stream sequence it
matched, per stream and consumer, written in the same transaction as the notifications that
message produced (so a redelivery after a crash between commit and ack inserts nothing)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    select,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, Engine

from aggregator.migrations import ensure_schema

__all__ = ["AlreadyMatched", "advance", "advance_to", "create", "position", "stream_positions"]

metadata = MetaData()

stream_positions = Table(
    "notify_stream_positions", metadata,
    Column("stream", String(64), nullable=False),
    Column("consumer", String(64), nullable=False),
    Column("last_sequence", BigInteger, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("stream", "consumer"),
)


class AlreadyMatched(Exception):
    """The message's sequence is at or below the stored position (another matcher, or this
    one before a crash, committed it): the transaction is rolled back."""


def create(engine: Engine) -> None:
    """Create the table if it is missing."""
    ensure_schema(engine)


def position(engine: Engine, stream: str, consumer: str) -> int:
    """The last stream sequence matched (0 before the first)."""
    with engine.connect() as conn:
        value = conn.execute(select(stream_positions.c.last_sequence).where(
            (stream_positions.c.stream == stream)
            & (stream_positions.c.consumer == consumer))).scalar()
    return int(value or 0)


def _upsert(conn: Connection, stream: str, consumer: str, sequence: int,
            now: datetime) -> bool:
    """Store ``sequence`` as the position, inserted if there is none yet, raised if it is
    behind: one statement (an upsert), so two matchers making the first insert at once do
    not both insert (one failing on the key) as an update-then-insert would. True when it
    was stored, False when the position was at or past ``sequence`` already."""
    insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    table = stream_positions
    statement = insert(table).values(stream=stream, consumer=consumer, last_sequence=sequence,
                                     updated_at=now)
    # The condition is checked against the row as committed (PostgreSQL waits for, then
    # reads, a racing matcher's row): of two matchers, one moves the position past the other.
    # RETURNING says whether a row was written: psycopg's rowcount is -1 for an upsert.
    return conn.execute(statement.on_conflict_do_update(
        index_elements=[table.c.stream, table.c.consumer],
        set_={"last_sequence": statement.excluded.last_sequence,
              "updated_at": statement.excluded.updated_at},
        where=table.c.last_sequence < statement.excluded.last_sequence,
    ).returning(table.c.last_sequence)).first() is not None


def advance(stream: str, consumer: str, sequence: int, now: datetime
            ) -> Callable[[Connection], None]:
    """A step for the outbox's transaction: move the position to ``sequence``, raising
    AlreadyMatched (so nothing of the transaction stays) when it is there already."""
    def move(conn: Connection) -> None:
        if not _upsert(conn, stream, consumer, sequence, now):
            raise AlreadyMatched(f"{stream}/{consumer} is at or past {sequence}")
    return move


def advance_to(stream: str, consumer: str, sequence: int, now: datetime
               ) -> Callable[[Connection], None]:
    """A step for the outbox's transaction: move the position on to ``sequence`` if it is
    behind (never back, never refusing): for a batch matched idempotently, whose messages
    at or below the position are matched again rather than passed over."""
    def move(conn: Connection) -> None:
        _upsert(conn, stream, consumer, sequence, now)
    return move
