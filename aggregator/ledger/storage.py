"""The ledger's storage: entries, the columns auditors filter on, signed checkpoints and the
Merkle tree's hash tiles, over SQLAlchemy Core on SQLite (a file of its own) or PostgreSQL
(tables beside the store's).

``write`` is the only way to write: one transaction holding the ledger's write turn
(``sequencer``), inside which the writer first reads what others committed since it last
looked. Reads page through entries, so nothing here holds more than a page in memory.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import orjson
from sqlalchemy import Connection, Engine, and_, func, inspect, or_, select, text
from sqlalchemy.dialects import postgresql, sqlite

from aggregator.ledger import tables as t
from aggregator.ledger.entries import EntryKind
from aggregator.ledger.merkle import HASH_SIZE
from aggregator.ledger.sequencer import ledger_engine, sequencer_for
from aggregator.ledger.tiles import TILE_BYTES, TILE_WIDTH, TileKey, tiles_after_append
from aggregator.store.disposal import dispose_when_idle

__all__ = ["PAGE", "EntryFilter", "LedgerStore", "LedgerView", "LedgerWrite", "Row",
           "StoredCheckpoint", "StoredEntry"]

# idx, leaf, hash, kind, at, subject, actor, agencies, consent
Row = tuple[int, bytes, bytes, str, str, str | None, str | None, str | None, str | None]

# Entries read per statement when paging through them (catching up, exports).
PAGE = 4096


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


_CHECKPOINT = select(t.checkpoints.c.size, t.checkpoints.c.note, t.checkpoints.c.signed_at)


def _latest(conn: Connection) -> StoredCheckpoint | None:
    row = conn.execute(_CHECKPOINT.order_by(t.checkpoints.c.size.desc()).limit(1)).first()
    return StoredCheckpoint(*row) if row else None


class LedgerView:
    """One consistent read of the ledger (a transaction), for catching up."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def hashes_from(self, start: int) -> Iterator[list[tuple[int, bytes, bytes]]]:
        """Pages of (index, leaf, stored hash) for every entry at ``start`` or later."""
        e = t.entries.c
        while True:
            page = [(int(r[0]), bytes(r[1]), bytes(r[2])) for r in self.conn.execute(
                select(e.idx, e.leaf, e.hash).where(e.idx >= start).order_by(e.idx)
                .limit(PAGE))]
            if not page:
                return
            yield page
            start = page[-1][0] + 1

    def latest_checkpoint(self) -> StoredCheckpoint | None:
        """The newest signed checkpoint in this read."""
        return _latest(self.conn)

    def tile(self, level: int, index: int) -> bytes:
        """The stored bytes of tile ``(level, index)`` (``b""`` when none is stored); a
        level-0 tile not yet full is the entries' own stored hashes (a row for it, which
        no writer stores, is ignored)."""
        c = t.tiles.c
        found = self.conn.execute(
            select(c.hashes).where(c.level == level, c.idx == index)).scalar()
        if level != 0 or (found is not None and len(found) == TILE_BYTES):
            return bytes(found) if found is not None else b""
        e = t.entries.c
        first = index * TILE_WIDTH
        return b"".join(bytes(h) for h in self.conn.execute(
            select(e.hash).where(e.idx >= first, e.idx < first + TILE_WIDTH).order_by(e.idx))
            .scalars())


def _upsert_tiles(conn: Connection, changed: dict[TileKey, bytes]) -> None:
    # A level-0 tile is stored once full: until then it is the entries' ``hash`` column, so
    # a batch does not rewrite up to 8 KiB of hashes (and fsync them) to add a few.
    changed = {key: data for key, data in changed.items()
               if key[0] > 0 or len(data) == TILE_BYTES}
    if not changed:
        return
    insert = (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(t.tiles)
    statement = insert.on_conflict_do_update(index_elements=[t.tiles.c.level, t.tiles.c.idx],
                                             set_={"hashes": insert.excluded.hashes})
    conn.execute(statement, [{"level": level, "idx": index, "hashes": data}
                             for (level, index), data in changed.items()])


_ENTRY_COLUMNS = ("idx", "leaf", "hash", "kind", "at", "subject", "actor", "agencies", "consent",
                  "decision")


class LedgerWrite(LedgerView):
    """The write transaction: a view of the latest state that may also append."""

    def insert(self, rows: Sequence[Row], changed: dict[TileKey, bytes],
               checkpoint: StoredCheckpoint) -> None:
        """Add entries, the tiles they change and the checkpoint covering them (committed
        when the write block ends)."""
        # The driver's own executemany: a batch holds thousands of rows, and SQLAlchemy's
        # per-row parameter processing would cost a tenth of the batch.
        mark = "?" if self.conn.dialect.paramstyle == "qmark" else "%s"
        self.conn.exec_driver_sql(
            f"INSERT INTO {t.entries.name} ({', '.join(_ENTRY_COLUMNS)}) "
            f"VALUES ({', '.join([mark] * len(_ENTRY_COLUMNS))})",
            [(*row, _decision(row)) for row in rows])
        relied = [{"consent": consent, "idx": index} for consent, index in _other_consents(rows)]
        if relied:
            self.conn.execute(t.entry_consents.insert(), relied)
        _upsert_tiles(self.conn, changed)
        self.conn.execute(t.checkpoints.insert(), {
            "size": checkpoint.size, "note": checkpoint.note, "signed_at": checkpoint.signed_at})


def _decision(row: Row) -> str | None:
    if row[3] != EntryKind.ACCESS or b'"decision"' not in row[1]:
        return None
    decision = orjson.loads(row[1]).get("decision")
    return decision if isinstance(decision, str) else None


def _other_consents(rows: Iterable[Row]) -> Iterator[tuple[str, int]]:
    """(consent, index) for each consent an access entry names in ``consents`` beside the
    one in its ``consent`` column."""
    for row in rows:
        if row[3] != EntryKind.ACCESS or b'"consents"' not in row[1]:
            continue
        for relied in orjson.loads(row[1]).get("consents", ()):
            consent = relied.get("consent") if isinstance(relied, dict) else None
            if isinstance(consent, str) and consent != row[8]:
                yield consent, row[0]


def tiled_size(conn: Connection) -> int:
    """How many leaves the stored (full) level-0 tiles cover."""
    c = t.tiles.c
    row = conn.execute(select(c.idx, func.length(c.hashes)).where(c.level == 0)
                       .order_by(c.idx.desc()).limit(1)).first()
    return int(row[0]) * TILE_WIDTH + int(row[1]) // HASH_SIZE if row else 0


def _upgrade(conn: Connection) -> None:
    """Bring a ledger written by an earlier version up to date, keeping every entry: the
    tables it lacks, the ``decision`` column (from each access entry's leaf) and the hash
    tiles of the entries it holds (from their stored hashes; loading then checks them)."""
    t.metadata.create_all(conn)
    if "decision" not in {column["name"] for column in inspect(conn).get_columns("entries")}:
        conn.execute(text("ALTER TABLE entries ADD COLUMN decision TEXT"))
        leaf_json = ("convert_from(leaf, 'UTF8')::jsonb ->> 'decision'"
                     if conn.dialect.name == "postgresql"
                     else "json_extract(CAST(leaf AS TEXT), '$.decision')")
        conn.execute(text(f"UPDATE entries SET decision = {leaf_json} WHERE kind = 'access'"))
    size = tiled_size(conn)
    view = LedgerView(conn)
    for page in view.hashes_from(size):
        if page[0][0] != size:
            return  # an entry is missing: loading reports it, with the entries' checks
        # Tiles this transaction wrote are read back by the next page's append.
        _upsert_tiles(conn, tiles_after_append(size, [bytes(h) for _, _, h in page],
                                               view.tile))
        size += len(page)


class LedgerStore:
    """Reads and appends over one engine; ``write`` is the only way to write and is atomic.

    ``path`` is the SQLite file (None on PostgreSQL)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name
        database = engine.url.database
        self.path = Path(database) if self.dialect == "sqlite" and database else None
        self._sequencer = sequencer_for(engine)
        try:
            with self._sequencer.turn(engine) as conn:
                _upgrade(conn)
        except BaseException:
            self.close()
            raise

    @classmethod
    def open(cls, location: Path | str) -> LedgerStore:
        """The ledger at ``location``: a SQLite file's path, or a database URL."""
        url = location if isinstance(location, str) else f"sqlite:///{location}"
        return cls(ledger_engine(url))

    @property
    def name(self) -> str:
        """Where the ledger is, for messages: the file, or the database and schema."""
        if self.path is not None:
            return str(self.path)
        return self.engine.url.render_as_string(hide_password=True)

    def end(self) -> int:
        """One past the highest index stored (0 when empty)."""
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.coalesce(func.max(t.entries.c.idx) + 1, 0)))
                       .scalar_one())

    @contextmanager
    def write(self) -> Iterator[LedgerWrite]:
        """One durable write transaction holding the ledger's write turn, taken in turn with
        other processes' writers; commits when the block ends without error."""
        with self._sequencer.turn(self.engine) as conn:
            yield LedgerWrite(conn)

    @contextmanager
    def snapshot(self) -> Iterator[LedgerView]:
        """A consistent read of the ledger as of now (nothing is written)."""
        with self.engine.connect() as conn:  # closing it rolls the read back
            if self.dialect == "postgresql":
                conn.execution_options(isolation_level="REPEATABLE READ")
            conn.begin()
            yield LedgerView(conn)

    def latest_checkpoint(self) -> StoredCheckpoint | None:
        """The newest signed checkpoint."""
        with self.engine.connect() as conn:
            return _latest(conn)

    def checkpoint_at(self, size: int) -> StoredCheckpoint | None:
        """The checkpoint signed at exactly ``size``, if one was."""
        with self.engine.connect() as conn:
            row = conn.execute(_CHECKPOINT.where(t.checkpoints.c.size == size)).first()
        return StoredCheckpoint(*row) if row else None

    def checkpoints(self, min_gap: int, up_to: int) -> Iterator[StoredCheckpoint]:
        """Checkpoints up to ``up_to``, at least ``min_gap`` entries apart, always with the
        one at ``up_to`` (an export needs a handful, not one per batch)."""
        c = t.checkpoints.c
        last, after = 0, -1
        while True:  # a page per statement: one checkpoint per batch makes many
            with self.engine.connect() as conn:
                rows = conn.execute(_CHECKPOINT.where(c.size > after, c.size <= up_to)
                                    .order_by(c.size).limit(PAGE)).all()
            for row in rows:
                if row[0] == up_to or row[0] - last >= min_gap:
                    last = row[0]
                    yield StoredCheckpoint(*row)
            if len(rows) < PAGE:
                return
            after = rows[-1][0]

    def leaves(self, start: int, stop: int) -> Iterator[tuple[int, bytes]]:
        """(index, leaf) for start <= index < stop, in order, a page per statement."""
        e = t.entries.c
        while start < stop:
            with self.engine.connect() as conn:
                page = [(int(r[0]), bytes(r[1])) for r in conn.execute(
                    select(e.idx, e.leaf).where(e.idx >= start, e.idx < stop).order_by(e.idx)
                    .limit(PAGE))]
            if not page:
                return
            yield from page
            start = page[-1][0] + 1

    def tile(self, level: int, index: int) -> bytes:
        """The stored bytes of tile ``(level, index)`` (``b""`` when none is stored)."""
        with self.engine.connect() as conn:
            return LedgerView(conn).tile(level, index)

    @contextmanager
    def reading(self) -> Iterator[LedgerView]:
        """One connection for a handful of reads (a proof's tiles)."""
        with self.engine.connect() as conn:
            yield LedgerView(conn)

    def entry(self, index: int) -> StoredEntry | None:
        """One entry by index."""
        rows = self.find(EntryFilter(after_index=index - 1, limit=1))
        return rows[0] if rows and rows[0].index == index else None

    def find(self, where: EntryFilter) -> list[StoredEntry]:
        """Entries matching ``where``, by index, at most ``where.limit``."""
        e = t.entries.c
        clauses = [e.idx > where.after_index]
        for column, value in ((e.subject, where.subject), (e.actor, where.actor),
                              (e.consent, where.consent), (e.kind, where.kind)):
            if value is not None:
                clauses.append(column == value)
        if where.not_actor is not None:
            clauses.append(or_(e.actor.is_(None), e.actor != where.not_actor))
        if where.before_index is not None:
            clauses.append(e.idx < where.before_index)
        if where.agency is not None:
            clauses.append(e.agencies.like(f"%,{where.agency},%"))
        if where.since is not None:
            clauses.append(e.at >= where.since)
        if where.until is not None:
            clauses.append(e.at < where.until)
        order = e.idx.desc() if where.newest_first else e.idx
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(e.idx, e.leaf, e.kind, e.at, e.subject, e.actor, e.agencies, e.consent)
                .where(and_(*clauses)).order_by(order).limit(where.limit)).all()
        return [StoredEntry(r[0], bytes(r[1]), r[2], r[3], r[4], r[5],
                            tuple(a for a in (r[6] or "").split(",") if a), r[7])
                for r in rows]

    def usage(self, consent_id: str) -> tuple[int, str | None]:
        """How many allowed reads relied on a consent (for any scope), and when the last
        one was."""
        e = t.entries.c
        relied = select(t.entry_consents.c.idx).where(t.entry_consents.c.consent == consent_id)
        with self.engine.connect() as conn:
            row = conn.execute(select(func.count(), func.max(e.at)).where(
                or_(e.consent == consent_id, e.idx.in_(relied)), e.kind == "access",
                e.decision == "ALLOW")).one()
        return int(row[0]), row[1]

    def close(self) -> None:
        """Close every connection and the lock files."""
        self._sequencer.close()
        dispose_when_idle(self.engine)  # a stopped task's read may still be running
