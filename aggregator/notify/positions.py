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
    insert,
    select,
    update,
)
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


def advance(stream: str, consumer: str, sequence: int, now: datetime
            ) -> Callable[[Connection], None]:
    """A step for the outbox's transaction: move the position to ``sequence``, raising
    AlreadyMatched (so nothing of the transaction stays) when it is there already."""
    def move(conn: Connection) -> None:
        key = ((stream_positions.c.stream == stream)
               & (stream_positions.c.consumer == consumer))
        current = conn.execute(select(stream_positions.c.last_sequence).where(key)).scalar()
        if current is None:
            conn.execute(insert(stream_positions).values(
                stream=stream, consumer=consumer, last_sequence=sequence, updated_at=now))
            return
        if current >= sequence:
            raise AlreadyMatched(f"{stream}/{consumer} is at {current}, past {sequence}")
        # Conditional on the value read: of two matchers racing, one moves it.
        moved = conn.execute(update(stream_positions).where(
            key & (stream_positions.c.last_sequence == current)).values(
            last_sequence=sequence, updated_at=now)).rowcount
        if moved != 1:
            raise AlreadyMatched(f"{stream}/{consumer} moved on meanwhile")
    return move


def advance_to(stream: str, consumer: str, sequence: int, now: datetime
               ) -> Callable[[Connection], None]:
    """A step for the outbox's transaction: move the position on to ``sequence`` if it is
    behind (never back, never refusing): for a batch matched idempotently, whose messages
    at or below the position are matched again rather than passed over."""
    def move(conn: Connection) -> None:
        key = ((stream_positions.c.stream == stream)
               & (stream_positions.c.consumer == consumer))
        moved = conn.execute(update(stream_positions).where(
            key & (stream_positions.c.last_sequence < sequence)).values(
            last_sequence=sequence, updated_at=now)).rowcount
        if not moved and conn.execute(select(stream_positions.c.last_sequence)
                                      .where(key)).scalar() is None:
            conn.execute(insert(stream_positions).values(
                stream=stream, consumer=consumer, last_sequence=sequence, updated_at=now))
    return move
