"""The aggregator's store: subjects and their linked cases."""

from __future__ import annotations

import base64
import json
import logging
import sqlite3
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from sqlalchemy import create_engine, delete, event, func, inspect, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from aggregator.accounts import Account
from aggregator.consent.records import ConsentRecord
from aggregator.consent.vocabulary import ConsentState, Purpose, Role
from aggregator.ledger.entries import access_code_reference, case_reference
from aggregator.migrations import ensure_schema
from aggregator.model import Link
from aggregator.store.disposal import dispose_when_idle
from aggregator.store.invitations import InvitationStore
from aggregator.store.migrations import bump_version
from aggregator.store.tables import (
    accounts,
    consents,
    link_actors,
    links,
    store_version,
    subjects,
)
from caseline.v1.lib.scopes import Scope

__all__ = ["ERASED", "Holder", "Store", "SubjectSealer", "make_engine"]

log = logging.getLogger(__name__)

_SEALED_PREFIX = "sealed:"
_MAX_CACHED_ACCOUNTS = 100_000


def _sqlite_pragmas(dbapi_conn: object, _record: object) -> None:
    cursor = dbapi_conn.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def make_engine(url: str) -> Engine:
    """The SQLAlchemy engine for ``url`` (SQLite gets WAL and a busy timeout)."""
    engine = create_engine(url, future=True)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


class SubjectSealer(Protocol):
    """Seals values under a subject's own data key (``aggregator.vault.SubjectKeys``)."""

    def seal(self, subject_id: str, plaintext: bytes, place: tuple[str, ...]) -> bytes:
        """``plaintext`` sealed for ``place`` under the subject's key."""
        ...

    def open(self, subject_id: str, sealed: bytes, place: tuple[str, ...]) -> bytes:
        """The plaintext; raises (a ValueError subclass) if it does not open — e.g. after
        the subject's key was shredded."""
        ...


class Store:
    """Subjects, links and consent versions; personal data in them (case numbers, consent
    purposes, the names subjects share with grantees) sealed under each subject's data key.

    A subject's links and current consents are cached in memory; every write bumps a version
    row that reads check, so writes by other processes invalidate the caches too.
    """

    def __init__(self, engine: Engine, sealer: SubjectSealer, reference_key: bytes) -> None:
        self.engine = engine
        self.url = engine.url.render_as_string(hide_password=False)
        self._sealer = sealer
        self._reference_key = reference_key
        self.invitations = InvitationStore(engine, sealer, reference_key)
        self._links_cache: dict[str, tuple[Link, ...]] = {}
        self._consents_cache: dict[tuple[str, str], tuple[ConsentRecord, ...]] = {}
        self._erased_cache: dict[str, datetime | None] = {}
        self._lock = threading.Lock()
        self._seen_version = -1
        self._probe_lock = threading.Lock()
        self._seen_data_version = -1
        self._probe: sqlite3.Connection | None = None
        database = engine.url.database
        if engine.dialect.name == "sqlite" and database and database != ":memory:":
            self._probe = sqlite3.connect(database, check_same_thread=False)
        ensure_schema(self.engine)  # schema changes: aggregator/migrations
        # Data a store from before sealing left in plaintext: sealed here, with the keys.
        if inspect(self.engine).has_table("links_plaintext"):
            self._migrate_links()
        self._migrate_purposes()

    @property
    def sealer(self) -> SubjectSealer:
        """What seals personal data under each subject's key (other tables in this
        database, the notifications', seal theirs with it too)."""
        return self._sealer

    # -- sealing at rest -----------------------------------------------------------------

    def _ref(self, agency_id: str, case_number: str) -> str:
        return case_reference(self._reference_key, agency_id, case_number)

    def _seal_text(self, subject_id: str, text: str, place: tuple[str, ...]) -> str:
        sealed = self._sealer.seal(subject_id, text.encode(), place)
        return _SEALED_PREFIX + base64.b64encode(sealed).decode()

    def _open_text(self, subject_id: str, stored: str, place: tuple[str, ...]) -> str | None:
        """The plaintext of a sealed text column; None when it no longer opens (the
        subject's key was shredded)."""
        if not stored.startswith(_SEALED_PREFIX):
            return stored  # written before sealing existed; migrated at start
        try:
            return self._sealer.open(subject_id, base64.b64decode(stored[len(_SEALED_PREFIX):]),
                                     place).decode()
        except ValueError:
            return None

    def _open_texts(self, items: Sequence[tuple[str, str, tuple[str, ...]]]
                    ) -> list[str | None]:
        """``_open_text`` for each (subject, stored, place); with a sealer that opens many
        at once (aggregator.vault.SubjectKeys.open_many), in one call."""
        many = getattr(self._sealer, "open_many", None)
        sealed = [i for i, (_, stored, _) in enumerate(items)
                  if stored.startswith(_SEALED_PREFIX)]
        if not callable(many) or not sealed:
            return [self._open_text(*item) for item in items]
        opened: list[str | None] = [stored for _, stored, _ in items]
        results = many([(items[i][0], base64.b64decode(items[i][1][len(_SEALED_PREFIX):]),
                         items[i][2]) for i in sealed])
        for i, result in zip(sealed, results, strict=True):
            opened[i] = None if isinstance(result, ValueError) else bytes(result).decode()
        return opened

    def _migrate_links(self) -> None:
        """Seal the plaintext case numbers of a store written before sealing existed."""
        # Sealing writes (it counts encryptions), so it runs outside the transaction that
        # moves the rows; a crash in between leaves links_plaintext to migrate next time.
        with self.engine.connect() as conn:
            rows = conn.execute(text(
                "SELECT subject_id, agency_id, case_number, linked_at FROM links_plaintext"
            )).all()
        values = []
        for row in rows:
            ref = self._ref(row.agency_id, row.case_number)
            values.append({
                "subject_id": row.subject_id, "agency_id": row.agency_id, "case_ref": ref,
                "case_number_sealed": self._sealer.seal(
                    row.subject_id, row.case_number.encode(), ("link", row.agency_id, ref)),
                "linked_at": _utc(row.linked_at) if isinstance(row.linked_at, datetime)
                else _utc(datetime.fromisoformat(str(row.linked_at)))})
        with self.engine.begin() as conn:
            conn.execute(delete(links).where(links.c.case_ref.in_([v["case_ref"]
                                                                    for v in values])))
            if values:
                conn.execute(links.insert(), values)
            conn.execute(text("DROP TABLE links_plaintext"))
            self._bump(conn)

    def _migrate_purposes(self) -> None:
        with self.engine.connect() as conn:
            rows = conn.execute(select(consents.c.id, consents.c.version, consents.c.subject_id,
                                       consents.c.purpose_text).where(
                ~consents.c.purpose_text.startswith(_SEALED_PREFIX)
                & (consents.c.purpose_text != ERASED))).all()
        sealed = [(row.id, row.version, self._seal_text(row.subject_id, row.purpose_text,
                                                        ("consent", row.id))) for row in rows]
        if not sealed:
            return
        with self.engine.begin() as conn:
            for consent_id, version, purpose in sealed:
                conn.execute(consents.update().where(
                    (consents.c.id == consent_id) & (consents.c.version == version)).values(
                    purpose_text=purpose))
            self._bump(conn)

    # -- cache coherence -----------------------------------------------------------------

    @staticmethod
    def _bump(conn: Connection) -> None:
        bump_version(conn)

    def _version(self) -> int:
        if self._probe is not None:
            # SQLite counts commits by every other connection, in any process: a cheap probe
            # on a connection of our own that never writes. Most commits are not the
            # store's (the notification outbox, the vault share the file), so only when
            # something was committed is the store's own counter read: the caches survive
            # other tables' writes.
            with self._probe_lock:
                data = int(self._probe.execute("PRAGMA data_version").fetchone()[0])
                if data == self._seen_data_version:
                    return self._seen_version
                row = self._probe.execute(
                    "SELECT version FROM store_version WHERE id = 1").fetchone()
                self._seen_data_version = data
                return int(row[0]) if row else 0
        with self.engine.connect() as conn:
            return int(conn.execute(select(store_version.c.version)
                                    .where(store_version.c.id == 1)).scalar() or 0)

    def _check_version(self) -> None:
        version = self._version()
        if version != self._seen_version:
            with self._lock:
                self._links_cache.clear()
                self._consents_cache.clear()
                self._erased_cache.clear()
                self._seen_version = version

    def changed(self) -> None:
        """Record a change made outside this store (a shredded key), so every process's
        caches drop what they hold."""
        with self.engine.begin() as conn:
            self._bump(conn)
        self._check_version()

    def ensure_subject(self, subject_id: str, language: str = "en") -> None:
        """Create the subject if it does not exist."""
        with self.engine.begin() as conn:
            exists = conn.execute(select(subjects.c.id).where(subjects.c.id == subject_id)).first()
            if exists is None:
                conn.execute(subjects.insert().values(
                    id=subject_id, language=language, created_at=datetime.now(UTC)))

    def language_of(self, subject_id: str) -> str | None:
        """The language the subject chose for pages and messages; None when never stored."""
        return self.languages_of([subject_id]).get(subject_id)

    def languages_of(self, subject_ids: Sequence[str]) -> dict[str, str]:
        """``language_of`` for several subjects at once; those never stored left out."""
        ids = sorted(set(subject_ids))
        with self.engine.connect() as conn:
            return {str(i): str(v) for start in range(0, len(ids), 500) for i, v in conn.execute(
                select(subjects.c.id, subjects.c.language).where(
                    subjects.c.id.in_(ids[start:start + 500]))) if v is not None}

    def set_language(self, subject_id: str, language: str) -> None:
        """Remember the subject's language (creating the subject if it does not exist)."""
        insert = pg_insert if self.engine.dialect.name == "postgresql" else sqlite_insert
        statement = insert(subjects).values(id=subject_id, language=language,
                                            created_at=datetime.now(UTC))
        with self.engine.begin() as conn:
            conn.execute(statement.on_conflict_do_update(
                index_elements=[subjects.c.id], set_={"language": language}))

    # -- accounts ------------------------------------------------------------------------

    def ensure_account(self, subject_id: str, role: Role) -> bool:
        """Create the account if it does not exist; True when it was created."""
        insert = pg_insert if self.engine.dialect.name == "postgresql" else sqlite_insert
        statement = (insert(accounts).values(id=subject_id, role=role,
                                             first_seen=datetime.now(UTC))
                     .on_conflict_do_nothing().returning(accounts.c.id))
        with self.engine.begin() as conn:
            return conn.execute(statement).first() is not None

    def account(self, subject_id: str) -> Account | None:
        """The account, erased or not; None when there is none."""
        with self.engine.connect() as conn:
            row = conn.execute(select(accounts).where(accounts.c.id == subject_id)).first()
        if row is None:
            return None
        return Account(row.id, Role(row.role), _utc(row.first_seen),
                       _utc(row.erased_at) if row.erased_at else None)

    def erased_many(self, subject_ids: Sequence[str]) -> dict[str, datetime | None]:
        """``erased_at`` for several subjects, the uncached ones read in one query."""
        self._check_version()
        found = {s: self._erased_cache[s] for s in subject_ids if s in self._erased_cache}
        missing = sorted(set(subject_ids) - found.keys())
        with self.engine.connect() as conn:
            for start in range(0, len(missing), 500):
                chunk = missing[start:start + 500]
                erased = dict(conn.execute(select(accounts.c.id, accounts.c.erased_at).where(
                    accounts.c.id.in_(chunk))).all())
                for subject in chunk:
                    found[subject] = _utc(erased[subject]) if erased.get(subject) else None
        with self._lock:
            if len(self._erased_cache) + len(missing) >= _MAX_CACHED_ACCOUNTS:
                self._erased_cache.clear()
            self._erased_cache.update({s: found[s] for s in missing})
        return found

    def erased_at(self, subject_id: str) -> datetime | None:
        """When the subject's data was erased; None if it was not. Cached, and the cache is
        dropped when any process writes (an erasure by `caseline keys shred` included)."""
        self._check_version()
        if subject_id in self._erased_cache:
            return self._erased_cache[subject_id]
        with self.engine.connect() as conn:
            value = conn.execute(select(accounts.c.erased_at)
                                 .where(accounts.c.id == subject_id)).scalar()
        erased = _utc(value) if value else None
        with self._lock:
            if len(self._erased_cache) >= _MAX_CACHED_ACCOUNTS:
                self._erased_cache.clear()
            self._erased_cache[subject_id] = erased
        return erased

    def mark_erased(self, subject_id: str, at: datetime) -> datetime:
        """Record that the subject's data was erased at ``at`` (the first erasure stands);
        returns the recorded time."""
        with self.engine.begin() as conn:
            conn.execute(accounts.update().where(
                (accounts.c.id == subject_id) & accounts.c.erased_at.is_(None))
                .values(erased_at=at))
            value = conn.execute(select(accounts.c.erased_at)
                                 .where(accounts.c.id == subject_id)).scalar()
            self._bump(conn)
        self._check_version()
        if value is None:
            raise ValueError(f"no account {subject_id!r} to mark erased")
        return _utc(value)

    # -- links ---------------------------------------------------------------------------

    def links_for(self, subject_id: str) -> tuple[Link, ...]:
        """The subject's linked cases, oldest link first; none once the subject's key was
        shredded (their case numbers no longer open)."""
        self._check_version()
        cached = self._links_cache.get(subject_id)
        if cached is not None:
            return cached
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(links).where(links.c.subject_id == subject_id)
                .order_by(links.c.linked_at, links.c.agency_id, links.c.case_ref)).all()
        result: list[Link] = []
        for r in rows:
            try:
                number = self._sealer.open(subject_id, r.case_number_sealed,
                                           ("link", r.agency_id, r.case_ref)).decode()
            except ValueError:
                continue  # shredded: the link is unreadable, as everything of theirs
            result.append(Link(r.subject_id, r.agency_id, number, _utc(r.linked_at)))
        with self._lock:
            self._links_cache[subject_id] = tuple(result)
        return tuple(result)

    def add_link(self, subject_id: str, agency_id: str, case_number: str,
                 access_code: str | None = None) -> bool:
        """Link a case (made with ``access_code`` when known); False when it was already
        linked, to this subject or another."""
        ref = self._ref(agency_id, case_number)
        values = {"subject_id": subject_id, "agency_id": agency_id, "case_ref": ref,
                  "case_number_sealed": self._sealer.seal(
                      subject_id, case_number.encode(), ("link", agency_id, ref)),
                  "linked_at": datetime.now(UTC),
                  "access_code_ref": None if access_code is None
                  else self.access_code_ref(agency_id, case_number, access_code)}
        insert = pg_insert if self.engine.dialect.name == "postgresql" else sqlite_insert
        # RETURNING says whether a row went in; rowcount is unreliable across drivers here.
        statement = (insert(links).values(**values).on_conflict_do_nothing()
                     .returning(links.c.subject_id))
        with self.engine.begin() as conn:
            inserted = conn.execute(statement).first() is not None
            self._bump(conn)
        return inserted

    def holders(self, agency_id: str, case_number: str) -> tuple[Holder, ...]:
        """Who holds a case (one subject, or several in a store from before one-holder
        links), with the keyed reference of the access code each linked it with."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(links.c.subject_id, links.c.access_code_ref).where(
                (links.c.agency_id == agency_id)
                & (links.c.case_ref == self._ref(agency_id, case_number)))
                .order_by(links.c.linked_at)).all()
        return tuple(Holder(r.subject_id, r.access_code_ref) for r in rows)

    def holders_many(self, cases: Sequence[tuple[str, str]]
                     ) -> dict[tuple[str, str], tuple[Holder, ...]]:
        """``holders`` of several (agency, number) cases in one query per chunk; every case
        asked for is a key (with no holders when none)."""
        by_ref = {(a, self._ref(a, n)): (a, n) for a, n in cases}
        found: dict[tuple[str, str], list[Holder]] = {case: [] for case in by_ref.values()}
        refs = sorted({ref for _, ref in by_ref})
        with self.engine.connect() as conn:
            for start in range(0, len(refs), 500):
                for row in conn.execute(select(
                        links.c.agency_id, links.c.case_ref, links.c.subject_id,
                        links.c.access_code_ref).where(links.c.case_ref.in_(
                            refs[start:start + 500])).order_by(links.c.linked_at)):
                    case = by_ref.get((row.agency_id, row.case_ref))
                    if case is not None:
                        found[case].append(Holder(row.subject_id, row.access_code_ref))
        return {case: tuple(holders) for case, holders in found.items()}

    def access_code_ref(self, agency_id: str, case_number: str, access_code: str) -> str:
        """The keyed reference an access code is kept as (never the code itself)."""
        return access_code_reference(self._reference_key, agency_id, case_number, access_code)

    def claim_link(self, subject_id: str, agency_id: str, case_number: str,
                   access_code: str, *, replacing: tuple[str, ...] = ()) -> bool:
        """Link a case to ``subject_id``, made with ``access_code``, taking it from the
        subjects in ``replacing``; a link ``subject_id`` already holds only has its access
        code updated. False when the holders are no longer what the caller saw (another
        process linked it meanwhile): then nothing changed."""
        access_code_ref = self.access_code_ref(agency_id, case_number, access_code)
        ref = self._ref(agency_id, case_number)
        case = (links.c.agency_id == agency_id) & (links.c.case_ref == ref)
        insert = pg_insert if self.engine.dialect.name == "postgresql" else sqlite_insert
        values = {"subject_id": subject_id, "agency_id": agency_id, "case_ref": ref,
                  "case_number_sealed": self._sealer.seal(
                      subject_id, case_number.encode(), ("link", agency_id, ref)),
                  "linked_at": datetime.now(UTC), "access_code_ref": access_code_ref}
        try:
            with self.engine.begin() as conn:
                if replacing:
                    removed = conn.execute(delete(links).where(
                        case & links.c.subject_id.in_(replacing))).rowcount
                    if removed != len(replacing):
                        raise _HoldersChanged
                updated = conn.execute(
                    links.update().where(case & (links.c.subject_id == subject_id))
                    .values(access_code_ref=access_code_ref)).rowcount
                # The unique index refuses a new row if someone else holds the case now.
                if not updated and conn.execute(
                        insert(links).values(**values).on_conflict_do_nothing()
                        .returning(links.c.subject_id)).first() is None:
                    raise _HoldersChanged
                self._bump(conn)
        except _HoldersChanged:
            return False  # the transaction was rolled back
        return True

    def remember_actor(self, pseudonym: str, subject_id: str) -> None:
        """Note whose ``pseudonym`` it is, so another subject's access log can name them."""
        insert = pg_insert if self.engine.dialect.name == "postgresql" else sqlite_insert
        with self.engine.begin() as conn:
            conn.execute(insert(link_actors).values(pseudonym=pseudonym, subject_id=subject_id)
                         .on_conflict_do_nothing())

    def actor_of(self, pseudonym: str) -> str | None:
        """The account a pseudonym noted by ``remember_actor`` belongs to."""
        with self.engine.connect() as conn:
            return conn.execute(select(link_actors.c.subject_id)
                                .where(link_actors.c.pseudonym == pseudonym)).scalar()

    def remove_link(self, subject_id: str, agency_id: str, case_number: str) -> bool:
        """Unlink a case; False when it was not linked."""
        with self.engine.begin() as conn:
            result = conn.execute(delete(links).where(
                (links.c.subject_id == subject_id) & (links.c.agency_id == agency_id)
                & (links.c.case_ref == self._ref(agency_id, case_number))))
            self._bump(conn)
        return bool(result.rowcount)

    # -- consents ------------------------------------------------------------------------

    def add_consent_version(self, record: ConsentRecord) -> None:
        """Insert a signed consent version; ValueError if that version already exists
        (two concurrent changes of one consent: the second must re-read and retry)."""
        try:
            with self.engine.begin() as conn:
                conn.execute(consents.insert().values(
                    id=record.id, version=record.version, subject_id=record.subject_id,
                    grantee_id=record.grantee_id, agencies=json.dumps(list(record.agencies)),
                    scopes=json.dumps(list(record.scopes)), purpose_code=record.purpose_code,
                    # A version written after its subject's erasure (revoking what they
                    # granted) has nothing left to seal: its purpose reads as erased.
                    purpose_text=ERASED if record.purpose_text == ERASED else self._seal_text(
                        record.subject_id, record.purpose_text, ("consent", record.id)),
                    valid_from=record.valid_from,
                    valid_until=record.valid_until, state=record.state,
                    created_at=record.created_at, signature=record.signature,
                    shared_name=None if record.shared_name is None
                    or record.purpose_text == ERASED else self._seal_text(
                        record.subject_id, record.shared_name, ("consent-name", record.id))))
        except IntegrityError as exc:
            raise ValueError(f"consent {record.id} version {record.version} exists") from exc
        finally:
            with self.engine.begin() as conn:
                self._bump(conn)
            self._check_version()

    def consent(self, consent_id: str) -> ConsentRecord | None:
        """The current (latest) version of a consent."""
        with self.engine.connect() as conn:
            row = conn.execute(select(consents).where(consents.c.id == consent_id)
                               .order_by(consents.c.version.desc()).limit(1)).first()
        return self._consents_of([row._mapping])[0] if row else None

    def consent_history(self, consent_id: str) -> list[ConsentRecord]:
        """Every version of a consent, oldest first."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(consents).where(consents.c.id == consent_id)
                                .order_by(consents.c.version)).all()
        return self._consents_of([r._mapping for r in rows])

    def consents_granted_by(self, subject_id: str) -> tuple[ConsentRecord, ...]:
        """Current versions of the consents a subject granted, newest first."""
        return self._current("subject_id", [subject_id])[subject_id]

    def consents_granted_by_many(self, subject_ids: Sequence[str]
                                 ) -> dict[str, tuple[ConsentRecord, ...]]:
        """``consents_granted_by`` for several subjects: cached ones as they are, the others
        read in one query per chunk, their sealed purposes opened together."""
        return self._current("subject_id", subject_ids)

    def consents_granted_to(self, grantee_id: str) -> tuple[ConsentRecord, ...]:
        """Current versions of the consents granted to a grantee, newest first."""
        return self._current("grantee_id", [grantee_id])[grantee_id]

    def _current(self, column: str, values: Sequence[str]
                 ) -> dict[str, tuple[ConsentRecord, ...]]:
        self._check_version()
        found = {v: c for v in values if (c := self._consents_cache.get((column, v))) is not None}
        missing = sorted(set(values) - found.keys())
        for start in range(0, len(missing), 500):
            chunk = missing[start:start + 500]
            latest = (select(consents.c.id, func.max(consents.c.version).label("version"))
                      .where(consents.c[column].in_(chunk)).group_by(consents.c.id).subquery())
            with self.engine.connect() as conn:
                rows = [r._mapping for r in conn.execute(select(consents).join(
                    latest, (consents.c.id == latest.c.id)
                    & (consents.c.version == latest.c.version))).all()]
            records: dict[str, list[ConsentRecord]] = {value: [] for value in chunk}
            for record in self._consents_of(rows):
                records[getattr(record, column)].append(record)
            with self._lock:
                for value, granted in records.items():
                    self._consents_cache[(column, value)] = found[value] = tuple(sorted(
                        granted, key=lambda r: (r.created_at, r.id), reverse=True))
        return found

    def _consents_of(self, rows: Sequence[Any]) -> list[ConsentRecord]:
        """Consent rows as records, their sealed purposes opened together."""
        purposes = self._open_texts([(r["subject_id"], r["purpose_text"], ("consent", r["id"]))
                                     for r in rows])
        return [ConsentRecord(
            id=row["id"], version=row["version"], subject_id=row["subject_id"],
            grantee_id=row["grantee_id"], agencies=tuple(json.loads(row["agencies"])),
            scopes=tuple(Scope(s) for s in json.loads(row["scopes"])),
            purpose_code=Purpose(row["purpose_code"]),
            purpose_text=ERASED if purpose is None else purpose,
            valid_from=_utc(row["valid_from"]), valid_until=_utc(row["valid_until"]),
            state=ConsentState(row["state"]), created_at=_utc(row["created_at"]),
            signature=row["signature"],
            # A name that no longer opens (the subject's key was shredded) is gone.
            shared_name=None if row["shared_name"] is None else self._open_text(
                row["subject_id"], row["shared_name"], ("consent-name", row["id"])))
            for row, purpose in zip(rows, purposes, strict=True)]

    def close(self) -> None:
        """Release connections."""
        if self._probe is not None:
            self._probe.close()
        dispose_when_idle(self.engine)  # a stopped task's query may still be running


class _HoldersChanged(Exception):
    """Raised inside a link transaction to roll it back."""


@dataclass(frozen=True, slots=True)
class Holder:
    """A subject a case is linked to, and the keyed reference of the access code it was
    linked with (None when not known: linked before codes were kept, or seeded)."""

    subject_id: str
    access_code_ref: str | None


def _utc(value: datetime) -> datetime:
    # SQLite returns naive datetimes for timezone-aware columns; they were stored as UTC.
    return value if value.tzinfo else value.replace(tzinfo=UTC)


ERASED = "(erased)"
