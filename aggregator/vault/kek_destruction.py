"""Destroying key-encryption keys after a shred, so that a shredded subject stays shredded in
every copy of the database.

Deleting a subject's wrapped keys is not enough: on PostgreSQL the deleted rows live on in dead
tuples and the WAL until vacuumed and recycled, and on either engine in every backup taken
before. Whoever holds such a copy and the KEK that wrapped the keys can open the subject's
data. So a shred schedules the destruction of every KEK the subject's keys may ever have been
wrapped under (every live KEK at that moment: rewraps move keys from KEK to KEK, and the old
images survive in backups), and the follow-up (``aggregator.vault.admin``, run by
``caseline keys shred``, ``caseline keys rewrap`` and, given the ledger, the gateway's
background rewrap):

1. rotates to a new primary KEK while a KEK scheduled for destruction is still primary;
2. rewraps every other subject's keys under the new primary (batch by batch, resumable);
3. once a destruction is due and no key in the database is wrapped under that KEK any more,
   destroys it in the key service. The grace period (default 24 hours) is for writers in
   other processes that wrapped a new key under the old KEK just before the rotation and
   commit it after the first rewrap pass: the rewrap run when the destruction is due moves
   what they wrote, and only then is the KEK destroyed.

This module holds the schedule (a table beside the subject keys), the rule for what may run
now (:func:`plan`, plain data in and out) and a lock that lets one process at a time rotate or
destroy (PostgreSQL: a session advisory lock; SQLite: ``flock`` on a file beside the database,
since holding SQLite's own write lock would stall every writer meanwhile).
"""

from __future__ import annotations

import threading
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, Engine

from aggregator.files import exclusive_lock
from aggregator.migrations import ensure_schema
from aggregator.vault.tables import kek_destructions

__all__ = ["DEFAULT_GRACE", "Destruction", "KekDestructions", "Plan", "plan", "schedule"]

DEFAULT_GRACE = timedelta(hours=24)
_LOCK_NAME = "caseline.vault.kek-destruction"
_local_locks: dict[str, threading.Lock] = {}
_local_locks_guard = threading.Lock()


@dataclass(frozen=True, slots=True)
class Destruction:
    """One KEK's scheduled destruction (``destroyed_at`` set once done)."""

    kek_id: str
    scheduled_at: datetime
    due_at: datetime
    destroyed_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Plan:
    """What the follow-up may do now: rotate first, destroy these KEKs, and why the others
    wait (KEK id, reason)."""

    rotate: bool
    destroy: tuple[str, ...]
    waiting: tuple[tuple[str, str], ...]


def plan(pending: Sequence[Destruction], *, now: datetime, primary: str,
         references: Mapping[str, int], unknown: Collection[str] = ()) -> Plan:
    """The steps ``pending`` destructions allow at ``now``: a rotation while one of them is
    the ``primary`` KEK; a destruction once due and no subject key (``references``: keys per
    KEK in the database) is wrapped under it. KEKs the key service holds neither live nor
    destroyed (``unknown``) wait, named, for an operator."""
    destroy: list[str] = []
    waiting: list[tuple[str, str]] = []
    for item in pending:
        if item.destroyed_at is not None:
            continue
        left = references.get(item.kek_id, 0)
        if item.kek_id in unknown:
            waiting.append((item.kek_id, "the key service holds no such KEK, live or "
                                         "destroyed: check its configuration"))
        elif item.kek_id == primary:
            waiting.append((item.kek_id, "it is still the primary KEK: rotate first"))
        elif item.due_at > now:
            waiting.append((item.kek_id, f"the grace period runs until "
                                         f"{item.due_at.isoformat()}"))
        elif left:
            waiting.append((item.kek_id, f"{left} subject key(s) are still wrapped under it: "
                                         f"rewrap first"))
        else:
            destroy.append(item.kek_id)
    rotate = any(item.kek_id == primary and item.destroyed_at is None for item in pending)
    return Plan(rotate, tuple(destroy), tuple(waiting))


def schedule(conn: Connection, kek_ids: Iterable[str], now: datetime,
             grace: timedelta) -> None:
    """Schedule each KEK's destruction for ``now + grace`` in ``conn``'s transaction; a KEK
    already scheduled keeps its earlier schedule (it has not been primary since)."""
    if grace < timedelta(0):
        raise ValueError(f"the grace period cannot be negative, got {grace}")
    rows = [{"kek_id": kek_id, "scheduled_at": now, "due_at": now + grace}
            for kek_id in dict.fromkeys(kek_ids)]
    if not rows:
        return
    insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    conn.execute(insert(kek_destructions).on_conflict_do_nothing(
        index_elements=[kek_destructions.c.kek_id]), rows)


class KekDestructions:
    """The schedule of KEK destructions in the aggregator's database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        ensure_schema(engine)  # its table comes from the migrations

    def all(self) -> list[Destruction]:
        """Every destruction ever scheduled, pending and done, by scheduled time."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(kek_destructions).order_by(
                kek_destructions.c.scheduled_at, kek_destructions.c.kek_id)).all()
        return [Destruction(r.kek_id, _utc(r.scheduled_at), _utc(r.due_at),
                            None if r.destroyed_at is None else _utc(r.destroyed_at))
                for r in rows]

    def pending(self) -> list[Destruction]:
        """The destructions not done yet."""
        return [d for d in self.all() if d.destroyed_at is None]

    def mark_destroyed(self, kek_id: str, at: datetime) -> None:
        """Record that the key service destroyed ``kek_id``."""
        with self.engine.begin() as conn:
            conn.execute(update(kek_destructions)
                         .where((kek_destructions.c.kek_id == kek_id)
                                & kek_destructions.c.destroyed_at.is_(None))
                         .values(destroyed_at=at))

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        """One process (and thread) at a time rotates or destroys for this database."""
        if self.engine.dialect.name == "postgresql":
            with self.engine.connect() as conn:
                key = {"k": _LOCK_NAME}
                conn.execute(text("SELECT pg_advisory_lock(hashtextextended(:k, 0))"), key)
                try:
                    yield
                finally:
                    conn.execute(text("SELECT pg_advisory_unlock(hashtextextended(:k, 0))"),
                                 key)
                    conn.rollback()
            return
        database = self.engine.url.database
        if not database or database == ":memory:":
            with _local_lock(str(self.engine.url)):
                yield
            return
        with exclusive_lock(f"{database}.kek-destruction.lock"):
            yield


def _local_lock(name: str) -> threading.Lock:
    with _local_locks_guard:
        return _local_locks.setdefault(name, threading.Lock())


def _utc(value: datetime) -> datetime:
    # SQLite hands timezone-aware columns back naive (they were stored as UTC).
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
