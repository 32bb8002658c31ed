"""Per-subject data keys: everything Caseline keeps about a person is sealed under their own
key, so shredding that key makes all of it unreadable at once (crypto-shredding).

Each subject has numbered key versions (AES-256), stored wrapped by the key service's primary
KEK; the wrap's associated data binds the subject and the version. A sealed value's key id
(``sk-vN``) names its version, and its context is ``(*place, subject_id)``. Unwrapped keys are
never cached: a shred by another process takes effect on the very next open.

Every write runs in its own transaction (on SQLite ``BEGIN IMMEDIATE`` with
``secure_delete`` on, so superseded row images are zeroed; on PostgreSQL under a per-subject
advisory lock), so do not call :meth:`SubjectKeys.seal` while holding a SQLite write
transaction on the same database: it would wait for that transaction until the busy timeout.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, delete, func, select, text, update
from sqlalchemy.engine import Connection, Engine

from aggregator.migrations import ensure_schema
from aggregator.vault.errors import ShreddedError
from aggregator.vault.kek_destruction import DEFAULT_GRACE, KekDestructions, schedule
from aggregator.vault.kms import KeyService
from aggregator.vault.tables import shredded_subjects, subject_keys
from aggregator.write_turns import write_turn
from caseline.v1.lib.sealed import KEY_BYTES, SealError, associated_data, key_id_of, open_value
from caseline.v1.lib.sealed import seal_value as _seal_value

__all__ = ["DEFAULT_SUBJECT_KEY_LIMIT", "KEY_ID_PREFIX", "SubjectKeys"]

log = logging.getLogger("caseline.aggregator.vault")

DEFAULT_SUBJECT_KEY_LIMIT = 2**30
KEY_ID_PREFIX = "sk-v"
_WRAP_SCHEME = "caseline.vault.subject-key"
_MAX_SUBJECT_ID = 64  # the column's width


def _key_id(version: int) -> str:
    return f"{KEY_ID_PREFIX}{version}"


def _version_of(key_id: str) -> int:
    digits = key_id.removeprefix(KEY_ID_PREFIX)
    if not key_id.startswith(KEY_ID_PREFIX) or not digits.isdigit():
        raise SealError(f"the sealed value names key {key_id!r}, not a subject key "
                        f"({KEY_ID_PREFIX}N)")
    return int(digits)


def _wrap_aad(subject_id: str, version: int) -> bytes:
    return associated_data(_WRAP_SCHEME, subject_id, str(version))


def _chunks(values: Sequence[str], size: int = 500) -> Iterator[Sequence[str]]:
    """``values`` in slices well under SQLite's bound-variable limit."""
    for start in range(0, len(values), size):
        yield values[start:start + size]


def _check_subject(subject_id: str) -> None:
    if not 0 < len(subject_id) <= _MAX_SUBJECT_ID:
        raise ValueError(f"a subject id has 1 to {_MAX_SUBJECT_ID} characters, "
                         f"got {len(subject_id)}")


def keys_per_kek(engine: Engine) -> dict[str, int]:
    """How many subject keys in ``engine``'s database each KEK wraps (KEKs that wrap any)."""
    ensure_schema(engine)
    with engine.connect() as conn:
        rows = conn.execute(select(subject_keys.c.kek_id, func.count())
                            .group_by(subject_keys.c.kek_id)).all()
    return {str(kek_id): int(count) for kek_id, count in rows}


class SubjectKeys:
    """Seals and opens values under per-subject keys; shreds them on erasure."""

    def __init__(self, engine: Engine, kms: KeyService, *,
                 limit: int = DEFAULT_SUBJECT_KEY_LIMIT, grace: timedelta = DEFAULT_GRACE,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        if engine.dialect.name not in ("sqlite", "postgresql"):
            raise ValueError(f"subject keys live on SQLite or PostgreSQL, not "
                             f"{engine.dialect.name}")
        if limit < 1:
            raise ValueError(f"the per-key encryption limit must be at least 1, got {limit}")
        self.engine = engine
        self.kms = kms
        self.limit = limit
        self.grace = grace  # before a KEK that wrapped a shredded subject's keys is destroyed
        self.clock = clock
        self._sqlite = engine.dialect.name == "sqlite"
        ensure_schema(engine)
        self.destructions = KekDestructions(engine)

    # -- sealing -------------------------------------------------------------------------

    def seal(self, subject_id: str, plaintext: bytes, place: tuple[str, ...]) -> bytes:
        """``plaintext`` sealed for ``place`` under the subject's current key (created on
        first use, renewed at the encryption limit); ShreddedError once shredded."""
        _check_subject(subject_id)
        with self._writing(subject_id) as conn:
            if self._tombstone(conn, subject_id):
                raise ShreddedError(f"subject {subject_id!r} was shredded: nothing more can "
                                    f"be sealed for them")
            row = conn.execute(
                select(subject_keys.c.version, subject_keys.c.kek_id, subject_keys.c.wrapped,
                       subject_keys.c.encryptions)
                .where(subject_keys.c.subject_id == subject_id)
                .order_by(subject_keys.c.version.desc()).limit(1)).first()
            if row is not None and row.encryptions < self.limit:
                # Counted before use: a crash after this wastes a count, never reuses one.
                conn.execute(update(subject_keys).where(
                    (subject_keys.c.subject_id == subject_id)
                    & (subject_keys.c.version == row.version))
                    .values(encryptions=subject_keys.c.encryptions + 1))
                version = row.version
                key = self.kms.unwrap(row.kek_id, row.wrapped, _wrap_aad(subject_id, version))
            else:
                version = 1 if row is None else row.version + 1
                key = os.urandom(KEY_BYTES)
                kek_id, wrapped = self.kms.wrap(key, _wrap_aad(subject_id, version))
                conn.execute(subject_keys.insert().values(
                    subject_id=subject_id, version=version, kek_id=kek_id, wrapped=wrapped,
                    encryptions=1, created_at=datetime.now(UTC)))
        return _seal_value(key, _key_id(version), plaintext, (*place, subject_id))

    def seal_many(self, items: Sequence[tuple[str, bytes, tuple[str, ...]]]) -> list[bytes]:
        """Each (subject, plaintext, place) sealed as ``seal`` would, in order, with one
        write transaction for all of them: every encryption is still counted against its
        key (and the key renewed at the limit) and committed before any value is sealed,
        so a nonce is never used beyond the limit; only the per-value commit is saved."""
        for subject_id, _, _ in items:
            _check_subject(subject_id)
        keys: list[tuple[bytes, int]] = []
        with self._writing(None) as conn:
            # Per subject: (version, key, encryptions counted so far, already stored).
            current: dict[str, tuple[int, bytes, int, int]] = {}
            if not self._sqlite:  # seal and shred of each subject serialised, as in seal;
                # taken in one order so that two batches never wait on each other in a cycle
                for subject_id in sorted({s for s, _, _ in items}):
                    conn.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:k, 0))"),
                                 {"k": f"{_WRAP_SCHEME}:{subject_id}"})
            subjects = list(dict.fromkeys(s for s, _, _ in items))
            shredded = self._tombstones(conn, subjects)
            if shredded:
                raise ShreddedError(f"subject {sorted(shredded)[0]!r} was shredded: nothing "
                                    f"more can be sealed for them")
            latest = self._latest_keys(conn, subjects)
            for subject_id, _, _ in items:
                state = current.get(subject_id)
                if state is None:
                    row = latest.get(subject_id)
                    if row is not None and row.encryptions < self.limit:
                        state = (row.version, self.kms.unwrap(
                            row.kek_id, row.wrapped, _wrap_aad(subject_id, row.version)),
                            row.encryptions, row.encryptions)
                    else:
                        state = self._new_key(conn, subject_id, row)
                elif state[2] >= self.limit:
                    self._count(conn, subject_id, state)
                    state = self._new_key(conn, subject_id, state)
                version, key, counted, stored = state
                current[subject_id] = (version, key, counted + 1, stored)
                keys.append((key, version))
            counts = [{"s": subject_id, "v": version, "n": counted - stored}
                      for subject_id, (version, _, counted, stored) in current.items()
                      if counted > stored]
            if counts:  # one statement for the batch (executemany)
                conn.execute(update(subject_keys).where(
                    (subject_keys.c.subject_id == bindparam("s"))
                    & (subject_keys.c.version == bindparam("v")))
                    .values(encryptions=subject_keys.c.encryptions + bindparam("n")), counts)
        # Counted and committed before use: a crash after this wastes counts, never reuses.
        return [_seal_value(key, _key_id(version), plaintext, (*place, subject_id))
                for (key, version), (subject_id, plaintext, place) in zip(keys, items,
                                                                          strict=True)]

    def _new_key(self, conn: Connection, subject_id: str, previous: Any
                 ) -> tuple[int, bytes, int, int]:
        """A fresh key version for the subject (first use, or the last one at its limit),
        stored with no encryption counted yet."""
        version = 1 if previous is None else (
            previous[0] if isinstance(previous, tuple) else previous.version) + 1
        key = os.urandom(KEY_BYTES)
        kek_id, wrapped = self.kms.wrap(key, _wrap_aad(subject_id, version))
        conn.execute(subject_keys.insert().values(
            subject_id=subject_id, version=version, kek_id=kek_id, wrapped=wrapped,
            encryptions=0, created_at=datetime.now(UTC)))
        return (version, key, 0, 0)

    @staticmethod
    def _count(conn: Connection, subject_id: str, state: tuple[int, bytes, int, int]) -> None:
        """Store the encryptions counted on one key version in this transaction."""
        version, _, counted, stored = state
        if counted > stored:
            conn.execute(update(subject_keys).where(
                (subject_keys.c.subject_id == subject_id)
                & (subject_keys.c.version == version))
                .values(encryptions=subject_keys.c.encryptions + (counted - stored)))

    def open_many(self, items: Sequence[tuple[str, bytes, tuple[str, ...]]]
                  ) -> list[bytes | ValueError]:
        """Each (subject, sealed, place) opened as ``open`` would, in order, with one read
        for every key involved and each key unwrapped once: the plaintext, or the
        ShreddedError/SealError ``open`` would have raised (one value failing does not fail
        the others)."""
        wanted: dict[str, set[int]] = {}
        versions: list[int | ValueError] = []
        for subject_id, sealed, _ in items:
            try:
                version = _version_of(key_id_of(sealed))
            except ValueError as exc:
                versions.append(exc)
                continue
            versions.append(version)
            wanted.setdefault(subject_id, set()).add(version)
        rows: dict[tuple[str, int], Any] = {}
        shredded: set[str] = set()
        if wanted:
            with self.engine.connect() as conn:
                shredded = self._tombstones(conn, list(wanted))
                for chunk in _chunks(sorted(set(wanted) - shredded)):
                    for row in conn.execute(select(
                            subject_keys.c.subject_id, subject_keys.c.version,
                            subject_keys.c.kek_id, subject_keys.c.wrapped).where(
                                subject_keys.c.subject_id.in_(chunk))):
                        if row.version in wanted[row.subject_id]:
                            rows[(row.subject_id, row.version)] = row
        keys: dict[tuple[str, int], bytes] = {}
        opened: list[bytes | ValueError] = []
        for (subject_id, sealed, place), found in zip(items, versions, strict=True):
            if isinstance(found, ValueError):
                opened.append(found)
                continue
            version = found
            key_row = rows.get((subject_id, version))
            if subject_id in shredded or (key_row is None and self.is_shredded(subject_id)):
                opened.append(ShreddedError(f"subject {subject_id!r} was shredded: their "
                                            f"data no longer opens"))
                continue
            if key_row is None:
                opened.append(SealError(f"subject {subject_id!r} has no key "
                                        f"{_key_id(version)}: the value belongs to another "
                                        f"subject or was altered"))
                continue
            try:
                if (subject_id, version) not in keys:
                    keys[(subject_id, version)] = self.kms.unwrap(
                        key_row.kek_id, key_row.wrapped, _wrap_aad(subject_id, version))
                opened.append(open_value(keys[(subject_id, version)], sealed,
                                         (*place, subject_id)))
            except ValueError as exc:
                opened.append(exc)
        return opened

    def open(self, subject_id: str, sealed: bytes, place: tuple[str, ...]) -> bytes:
        """The plaintext of a value sealed for this subject and place; ShreddedError if the
        subject's keys were shredded, SealError if it does not open here."""
        version = _version_of(key_id_of(sealed))
        with self.engine.connect() as conn:
            shredded = self._tombstone(conn, subject_id)
            row = None if shredded else conn.execute(
                select(subject_keys.c.kek_id, subject_keys.c.wrapped).where(
                    (subject_keys.c.subject_id == subject_id)
                    & (subject_keys.c.version == version))).first()
        if shredded or (row is None and self.is_shredded(subject_id)):
            raise ShreddedError(f"subject {subject_id!r} was shredded: their data no longer "
                                f"opens")
        if row is None:
            raise SealError(f"subject {subject_id!r} has no key {_key_id(version)}: the value "
                            f"belongs to another subject or was altered")
        key = self.kms.unwrap(row.kek_id, row.wrapped, _wrap_aad(subject_id, version))
        return open_value(key, sealed, (*place, subject_id))

    # -- erasure -------------------------------------------------------------------------

    def shred(self, subject_id: str, *, grace: timedelta | None = None) -> int:
        """Destroy every key version of the subject and leave a tombstone; the number of key
        versions destroyed (0 when already shredded or never keyed). When it destroyed any,
        every live KEK is scheduled for destruction after ``grace`` (default: the
        instance's), in the same transaction."""
        _check_subject(subject_id)
        now = self.clock()
        with self._writing(subject_id) as conn:
            destroyed = conn.execute(delete(subject_keys).where(
                subject_keys.c.subject_id == subject_id)).rowcount
            if not self._tombstone(conn, subject_id):
                conn.execute(shredded_subjects.insert().values(
                    subject_id=subject_id, shredded_at=now))
            if destroyed:
                # Read after the delete: a KEK a concurrent rewrap moved their keys to exists
                # by now.
                schedule(conn, self.kms.key_ids(), now,
                         self.grace if grace is None else grace)
        if self._sqlite:
            self._checkpoint()
        return int(destroyed)

    def is_shredded(self, subject_id: str) -> bool:
        """Whether the subject's keys were shredded."""
        with self.engine.connect() as conn:
            return self._tombstone(conn, subject_id)

    def _checkpoint(self) -> None:
        # Zeroed pages reach the main file and the WAL (which still holds the old row
        # images) is cut to nothing; readers in other processes can make it wait or fail.
        with self.engine.connect() as conn:
            busy, _, _ = conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").one()
        if busy:
            log.warning("shredded keys: the SQLite WAL could not be truncated while other "
                        "connections read; their old row images stay in the -wal file until "
                        "the next checkpoint")

    # -- rotation ------------------------------------------------------------------------

    def rewrap(self, batch: int = 200) -> int:
        """Move up to ``batch`` subject keys still wrapped under an older KEK to the primary
        one, in one transaction; the number moved. Call until it returns 0: an interrupted
        run resumes with what is left.

        Keys under the KEK scheduled for destruction longest ago go first: when shreds come
        faster than a full rewrap takes, each starts the sweep again (every key leaves the
        previous primary), and a sweep in subject order would never reach the last keys
        under the oldest KEK, which then could never be destroyed."""
        if batch < 1:
            raise ValueError(f"batch must be at least 1, got {batch}")
        primary = self.kms.primary_id()
        columns = (subject_keys.c.subject_id, subject_keys.c.version, subject_keys.c.kek_id,
                   subject_keys.c.wrapped)
        order = (subject_keys.c.subject_id, subject_keys.c.version)
        skip = {primary, *self.kms.destroyed_ids()}
        doomed = [d.kek_id for d in self.destructions.pending() if d.kek_id not in skip]
        rows: Sequence[Any] = []
        with self.engine.connect() as conn:
            for kek_id in doomed:  # one indexed probe each
                rows = conn.execute(select(*columns).where(subject_keys.c.kek_id == kek_id)
                                    .order_by(*order).limit(batch)).all()
                if rows:
                    break
            if not rows:
                rows = conn.execute(select(*columns).where(self._movable(primary))
                                    .order_by(*order).limit(batch)).all()
        # Wrap outside the transaction: the key service writes its counters (slow), and the
        # database should not stay locked meanwhile.
        items = []
        for row in rows:
            aad = _wrap_aad(row.subject_id, row.version)
            items.append((self.kms.unwrap(row.kek_id, row.wrapped, aad), aad))
        moved = [(row, kek_id, wrapped) for row, (kek_id, wrapped)
                 in zip(rows, self.kms.wrap_many(items), strict=True)]
        if not moved:
            return 0
        with self._writing(None) as conn:
            # Only rows unchanged meanwhile (not shredded, not moved by another process);
            # one statement for the batch (executemany; both drivers count its rows).
            return int(conn.execute(update(subject_keys).where(
                (subject_keys.c.subject_id == bindparam("s"))
                & (subject_keys.c.version == bindparam("v"))
                & (subject_keys.c.kek_id == bindparam("old")))
                .values(kek_id=bindparam("new"), wrapped=bindparam("blob")),
                [{"s": row.subject_id, "v": row.version, "old": row.kek_id, "new": kek_id,
                  "blob": wrapped} for row, kek_id, wrapped in moved]).rowcount)

    def pending_rewrap(self) -> int:
        """How many subject keys are still wrapped under a KEK other than the primary (one
        that was not destroyed: those keys no longer open, see :meth:`status`)."""
        primary = self.kms.primary_id()
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(subject_keys)
                                    .where(self._movable(primary))).scalar_one())

    def _movable(self, primary: str) -> Any:
        """Rows a rewrap can move: under a KEK neither primary nor destroyed (rows under a
        destroyed one appear only in a database restored from before the destruction)."""
        destroyed = self.kms.destroyed_ids()
        condition = subject_keys.c.kek_id != primary
        return condition & subject_keys.c.kek_id.not_in(destroyed) if destroyed else condition

    def status(self) -> dict[str, Any]:
        """Counts and ids for an operator (no key material): KEKs, subject keys, subjects,
        keys pending rewrap, shredded subjects, KEK destructions pending and done."""
        primary = self.kms.primary_id()
        destroyed = self.kms.destroyed_ids()
        per_kek = keys_per_kek(self.engine)
        with self.engine.connect() as conn:
            keys = conn.execute(select(func.count()).select_from(subject_keys)).scalar_one()
            subjects = conn.execute(select(func.count(subject_keys.c.subject_id.distinct())))\
                .scalar_one()
            shredded = conn.execute(select(func.count()).select_from(shredded_subjects))\
                .scalar_one()
        return {
            "keks": [{"id": kek_id, "primary": kek_id == primary,
                      "encryptions": self.kms.encryptions(kek_id)}
                     for kek_id in self.kms.key_ids()],
            "subject_keys": int(keys),
            "subjects": int(subjects),
            "pending_rewrap": self.pending_rewrap(),
            "shredded_subjects": int(shredded),
            "pending_destructions": [
                {"kek": d.kek_id, "scheduled_at": d.scheduled_at.isoformat(),
                 "due_at": d.due_at.isoformat(), "subject_keys_left": per_kek.get(d.kek_id, 0)}
                for d in self.destructions.pending()],
            "destroyed_keks": len(destroyed),
            # Non-zero only in a database restored from before a destruction: lost for good.
            "subject_keys_under_destroyed_keks": sum(per_kek.get(k, 0) for k in destroyed),
        }

    # -- transactions --------------------------------------------------------------------

    @staticmethod
    def _tombstones(conn: Connection, subject_ids: Sequence[str]) -> set[str]:
        """Which of the subjects were shredded (one query per chunk)."""
        found: set[str] = set()
        for chunk in _chunks(subject_ids):
            found.update(conn.execute(select(shredded_subjects.c.subject_id).where(
                shredded_subjects.c.subject_id.in_(chunk))).scalars())
        return found

    @staticmethod
    def _latest_keys(conn: Connection, subject_ids: Sequence[str]) -> dict[str, Any]:
        """Each subject's newest key version row (version, kek_id, wrapped, encryptions)."""
        latest: dict[str, Any] = {}
        for chunk in _chunks(subject_ids):
            newest = (select(subject_keys.c.subject_id,
                             func.max(subject_keys.c.version).label("version"))
                      .where(subject_keys.c.subject_id.in_(chunk))
                      .group_by(subject_keys.c.subject_id).subquery())
            for row in conn.execute(select(
                    subject_keys.c.subject_id, subject_keys.c.version, subject_keys.c.kek_id,
                    subject_keys.c.wrapped, subject_keys.c.encryptions).join(
                        newest, (subject_keys.c.subject_id == newest.c.subject_id)
                        & (subject_keys.c.version == newest.c.version))):
                latest[row.subject_id] = row
        return latest

    @staticmethod
    def _tombstone(conn: Connection, subject_id: str) -> bool:
        return conn.execute(select(shredded_subjects.c.subject_id).where(
            shredded_subjects.c.subject_id == subject_id)).first() is not None

    @contextmanager
    def _writing(self, subject_id: str | None) -> Iterator[Connection]:
        """A write transaction, committed on success. On SQLite it takes the write lock at
        once (a deferred one could fail on a snapshot conflict) with secure_delete on; on
        PostgreSQL it serialises seal and shred of ``subject_id``."""
        previous = 0
        with write_turn(self.engine), self.engine.connect() as conn:
            if self._sqlite:
                previous = conn.exec_driver_sql("PRAGMA secure_delete").scalar_one()
                # Without it, a deleted or rewritten row's old bytes (the wrapped key) stay in
                # the page's free space, and shredding would not erase them.
                conn.exec_driver_sql("PRAGMA secure_delete=ON")
                driver = conn.connection.dbapi_connection
                if not getattr(driver, "in_transaction", False):
                    conn.exec_driver_sql("BEGIN IMMEDIATE")
            elif subject_id is not None:
                conn.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:k, 0))"),
                             {"k": f"{_WRAP_SCHEME}:{subject_id}"})
            try:
                yield conn
                conn.commit()
            except BaseException:
                conn.rollback()
                raise
            finally:
                if self._sqlite:
                    conn.exec_driver_sql(f"PRAGMA secure_delete={int(previous)}")
                    conn.commit()
