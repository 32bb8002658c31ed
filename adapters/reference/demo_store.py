"""The reference adapters' demo store: one SQLite file per agency.

It stands in for an agency's system of record. Cases and events are stored with the agency's
own codes and words; lookups by number and by subject are indexed, and the change feed is the
event table's monotonic row id.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import sqlite3
import threading
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path
from typing import Any

from adapters.reference.statistics_summary import (
    apply_event,
    build_summary,
    ensure_summary,
    read_aggregates,
    summary_version,
)
from adapters.sdk.errors import UnimplementedError
from adapters.sdk.mapping import MappingTable
from adapters.sdk.records import (
    CaseRecord,
    ChangeRecord,
    EventRecord,
    HearingRecord,
    IdentityTerms,
    RelatedRecord,
)
from adapters.sdk.statistics import ProcessingAggregates
from adapters.sdk.status_classes import StatusClassifier

__all__ = ["DemoStore", "DemoStoreWriter", "access_code_digest"]

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS cases (
    number TEXT PRIMARY KEY,
    case_type TEXT NOT NULL,
    office TEXT NOT NULL,
    subject_ref TEXT NOT NULL,
    access_code_digest BLOB NOT NULL,
    last_event_id INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY,
    case_number TEXT NOT NULL,
    occurred_at INTEGER NOT NULL,
    code TEXT NOT NULL,
    text TEXT NOT NULL,
    due_date TEXT,
    office TEXT NOT NULL,
    hearing TEXT
);
-- What identifies each person (names, dates of birth, numbers) as JSON: the SDK masks these
-- in texts released without IDENTITY. Stores seeded before it existed get it empty on open.
CREATE TABLE IF NOT EXISTS identities (
    subject_ref TEXT PRIMARY KEY,
    terms TEXT NOT NULL
) WITHOUT ROWID;
-- Cases the agency's records tie to each case (contract RelatedCase), in the agency's order.
-- Stores seeded before it existed get it empty on open; the demo fills in the personas'.
CREATE TABLE IF NOT EXISTS related_cases (
    case_number TEXT NOT NULL,
    position INTEGER NOT NULL,
    agency_id TEXT NOT NULL,
    related_number TEXT NOT NULL,
    relation TEXT NOT NULL,
    PRIMARY KEY (case_number, agency_id, related_number)
) WITHOUT ROWID;
"""
# Built after bulk loads: inserting into a finished B-tree row by row is several times slower.
INDEXES = """
CREATE INDEX IF NOT EXISTS cases_by_subject ON cases(subject_ref);
CREATE INDEX IF NOT EXISTS events_by_case ON events(case_number, id);
"""


def access_code_digest(number: str, access_code: str) -> bytes:
    """Digest stored instead of the access code; spaces, dashes and case are ignored."""
    canonical = "".join(ch for ch in access_code.upper() if ch.isalnum())
    return hashlib.sha256(f"{number}\x00{canonical}".encode()).digest()


def _ts(value: datetime) -> int:
    return int(value.timestamp())


def _hearing_json(hearing: HearingRecord | None) -> str | None:
    if hearing is None:
        return None
    return json.dumps({
        "type": hearing.type, "medium": hearing.medium, "at": _ts(hearing.scheduled_at),
        "tz": hearing.time_zone, "court": hearing.court, "address": hearing.court_address,
        "judge": hearing.judge,
    })


def _hearing_from_json(raw: str | None) -> HearingRecord | None:
    if not raw:
        return None
    data: dict[str, Any] = json.loads(raw)
    return HearingRecord(
        type=data["type"], medium=data["medium"],
        scheduled_at=datetime.fromtimestamp(data["at"], UTC), time_zone=data["tz"],
        court=data["court"], court_address=data["address"], judge=data["judge"],
    )


def _identity_json(identity: IdentityTerms) -> str:
    return json.dumps({"names": identity.names,
                       "birth_dates": [d.isoformat() for d in identity.birth_dates],
                       "numbers": identity.numbers}, ensure_ascii=False)


def _identity_from_json(raw: str | None) -> IdentityTerms:
    if not raw:
        return IdentityTerms()
    data: dict[str, list[str]] = json.loads(raw)
    return IdentityTerms(names=tuple(data.get("names", ())),
                         birth_dates=tuple(date.fromisoformat(d)
                                           for d in data.get("birth_dates", ())),
                         numbers=tuple(data.get("numbers", ())))


_INSERT_RELATED = "INSERT OR IGNORE INTO related_cases VALUES (?, ?, ?, ?, ?)"


def _related_rows(case: CaseRecord) -> list[tuple[object, ...]]:
    return [(case.number, i, r.agency_id, r.number, r.relation)
            for i, r in enumerate(case.related)]


def _event_from_row(row: sqlite3.Row) -> EventRecord:
    return EventRecord(
        occurred_at=datetime.fromtimestamp(row["occurred_at"], UTC),
        code=row["code"], text=row["text"],
        due_date=date.fromisoformat(row["due_date"]) if row["due_date"] else None,
        office=row["office"], hearing=_hearing_from_json(row["hearing"]),
        event_id=str(row["id"]),
    )


@cache
def reference_classifier(agency_id: str) -> StatusClassifier | None:
    """The status classifier of a reference agency (its mapping table), None for another."""
    # Imported here: the catalog imports the agencies' generators, which need not load for a
    # store's every use, and must not import this module back.
    from adapters.reference.catalog import CATALOG

    known = CATALOG.get(agency_id)
    if known is None:
        return None
    table = MappingTable.load(known.profile.mapping_path)
    return StatusClassifier(table, known.profile.program_of)


def _store_classifier(conn: sqlite3.Connection) -> StatusClassifier | None:
    row = conn.execute("SELECT value FROM meta WHERE key = 'agency'").fetchone()
    return None if row is None else reference_classifier(str(row[0]))


def _private_file(path: Path) -> None:
    """Create ``path`` mode 0600 (directories 0700) before SQLite does under the umask: the
    store holds every case's personal data; SQLite gives its WAL the database's mode."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        os.chmod(path, 0o600)  # not opened: closing it would drop SQLite's locks on it
        return
    try:
        os.fchmod(fd, 0o600)
    finally:
        os.close(fd)


class DemoStoreWriter:
    """Bulk writer used by the seeder: explicit event ids, indexes built at the end."""

    def __init__(self, path: Path) -> None:
        _private_file(path)
        self._db = sqlite3.connect(path)
        self._db.executescript(SCHEMA)
        # Seeding is restartable from scratch, so durability per batch is not needed.
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=OFF")
        row = self._db.execute("SELECT COALESCE(MAX(id), 0) FROM events").fetchone()
        self._next_event_id = int(row[0]) + 1

    def set_meta(self, key: str, value: str) -> None:
        """Record a seeding fact (seed, anchor date, case count)."""
        self._db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (key, value))

    def add_cases(self, cases: Iterable[CaseRecord]) -> int:
        """Insert cases with their events in one transaction; returns the number inserted."""
        case_rows: list[tuple[object, ...]] = []
        event_rows: list[tuple[object, ...]] = []
        identity_rows: dict[str, str] = {}
        related_rows: list[tuple[object, ...]] = []
        for case in cases:
            related_rows += _related_rows(case)
            if case.identity != IdentityTerms():
                identity_rows[case.subject_ref] = _identity_json(case.identity)
            for event in case.events:
                event_rows.append((
                    self._next_event_id, case.number, _ts(event.occurred_at), event.code,
                    event.text, event.due_date.isoformat() if event.due_date else None,
                    event.office, _hearing_json(event.hearing),
                ))
                self._next_event_id += 1
            case_rows.append((case.number, case.case_type, case.office, case.subject_ref,
                               access_code_digest(case.number, case.access_code),
                               self._next_event_id - 1))
        with self._db:
            self._db.executemany("INSERT INTO cases VALUES (?, ?, ?, ?, ?, ?)", case_rows)
            self._db.executemany("INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?, ?)", event_rows)
            self._db.executemany("INSERT OR REPLACE INTO identities VALUES (?, ?)",
                                 identity_rows.items())
            self._db.executemany(_INSERT_RELATED, related_rows)
        return len(case_rows)

    def finish(self) -> None:
        """Build the indexes and the statistics summary (for a reference agency's store),
        checkpoint the WAL and close."""
        self._db.executescript(INDEXES)
        self._db.commit()
        classifier = _store_classifier(self._db)
        if classifier is not None:
            build_summary(self._db, classifier)
        self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self._db.close()


class DemoStore:
    """Read side of the demo store; implements the SDK's ``CaseSource``.

    One connection per thread (sqlite3 connections must not be shared across threads).
    Queries are single index probes, cheap enough to run on the adapter's event loop.

    It is also a ``StatisticsSource``: summary tables (adapters/reference/statistics_summary)
    answer ``processing_aggregates`` from histograms, built on open when missing and updated
    by ``append_event``. ``classifier`` says which codes complete a case; by default the
    mapping table of the reference agency named in the store's meta (none: no statistics).
    """

    def __init__(self, path: Path, classifier: StatusClassifier | None = None) -> None:
        if not path.exists():
            raise FileNotFoundError(f"demo store {path} does not exist; seed it first")
        self._path = path
        self._local = threading.local()
        self._write_lock = threading.Lock()
        with self._conn() as conn:  # a store seeded before identities were kept
            conn.executescript(SCHEMA)
        conn = self._conn()
        self._classifier = classifier or _store_classifier(conn)
        if self._classifier is not None:
            # A store seeded before statistics (or with another mapping): built once, here.
            with self._write_lock:
                ensure_summary(conn, self._classifier)

    def _conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self._path, check_same_thread=False)
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA journal_mode=WAL")
            self._local.conn = conn
        return conn

    def meta(self) -> dict[str, str]:
        """Seeding facts recorded by the writer."""
        return {row["key"]: row["value"] for row in self._conn().execute("SELECT * FROM meta")}

    def count_cases(self) -> int:
        """Number of cases held."""
        return int(self._conn().execute("SELECT COUNT(*) FROM cases").fetchone()[0])

    def find_cases(self, numbers: Sequence[str], *, with_history: bool) -> dict[str, CaseRecord]:
        """Cases by canonical number; without history only the latest event is returned."""
        if not numbers:
            return {}
        conn = self._conn()
        marks = ",".join("?" * len(numbers))
        case_rows = conn.execute(
            f"SELECT * FROM cases WHERE number IN ({marks})", list(numbers)
        ).fetchall()
        if not case_rows:
            return {}
        events: dict[str, list[EventRecord]] = {row["number"]: [] for row in case_rows}
        marks = ",".join("?" * len(case_rows))
        found = [row["number"] for row in case_rows]
        opened: dict[str, datetime] = {}
        if with_history:
            query = f"SELECT * FROM events WHERE case_number IN ({marks}) ORDER BY case_number, id"
            params = found
        else:
            query = f"SELECT * FROM events WHERE id IN ({marks})"
            params = [row["last_event_id"] for row in case_rows]
            # Only the latest event is read: the opening time comes from the first one.
            opened = {row[0]: datetime.fromtimestamp(row[1], UTC) for row in conn.execute(
                f"SELECT case_number, MIN(occurred_at) FROM events WHERE case_number IN ({marks})"
                " GROUP BY case_number", found)}
        for row in conn.execute(query, params):
            events[row["case_number"]].append(_event_from_row(row))
        related: dict[str, list[RelatedRecord]] = {}
        if with_history:  # only subject reads carry them (never a public lookup)
            for row in conn.execute(
                    f"SELECT case_number, agency_id, related_number, relation FROM related_cases"
                    f" WHERE case_number IN ({marks}) ORDER BY case_number, position", found):
                related.setdefault(row[0], []).append(RelatedRecord(row[1], row[2], row[3]))
        subjects = sorted({row["subject_ref"] for row in case_rows})
        identities = {row[0]: _identity_from_json(row[1]) for row in conn.execute(
            f"SELECT subject_ref, terms FROM identities WHERE subject_ref IN"
            f" ({','.join('?' * len(subjects))})", subjects)}
        return {
            row["number"]: CaseRecord(
                number=row["number"], case_type=row["case_type"], office=row["office"],
                subject_ref=row["subject_ref"], access_code="",
                events=tuple(events[row["number"]]), opened_at=opened.get(row["number"]),
                identity=identities.get(row["subject_ref"], IdentityTerms()),
                related=tuple(related.get(row["number"], ())),
            )
            for row in case_rows
        }

    def numbers_for_subject(self, subject_ref: str) -> list[str]:
        """Case numbers held for one person."""
        rows = self._conn().execute(
            "SELECT number FROM cases WHERE subject_ref = ? ORDER BY number", (subject_ref,))
        return [row["number"] for row in rows]

    def verify_access_code(self, number: str, access_code: str) -> bool:
        """Whether the case exists and the access code matches (constant-time compare)."""
        row = self._conn().execute(
            "SELECT access_code_digest FROM cases WHERE number = ?", (number,)).fetchone()
        expected = row["access_code_digest"] if row else b"\x00" * 32
        matches = hmac.compare_digest(expected, access_code_digest(number, access_code))
        return row is not None and matches

    def reissue_access_code(self, number: str, access_code: str) -> None:
        """Issue a new access code for a case (a new notice, the agency's own workflow): from
        now on only it verifies, the old one no longer does."""
        conn = self._conn()
        with self._write_lock, conn:
            updated = conn.execute("UPDATE cases SET access_code_digest = ? WHERE number = ?",
                                   (access_code_digest(number, access_code), number)).rowcount
        if updated != 1:
            raise KeyError(f"no case {number}")

    def add_missing_cases(self, records: Iterable[CaseRecord]) -> list[str]:
        """Add those of ``records`` the store does not hold yet, with their events, identity
        and related cases; returns the numbers added (a demo's new persona reaching a store
        seeded before it). Idempotent: held cases are left exactly as they are."""
        records = list(records)
        conn = self._conn()
        numbers = [case.number for case in records]
        if not numbers:
            return []
        held = {row[0] for row in conn.execute(
            f"SELECT number FROM cases WHERE number IN ({','.join('?' * len(numbers))})",
            numbers)}
        if held.issuperset(numbers):
            return []  # the common case on every start: no write lock taken
        added: list[str] = []
        with self._write_lock, conn:
            conn.execute("BEGIN IMMEDIATE")
            for case in records:
                if conn.execute("SELECT 1 FROM cases WHERE number = ?",
                                (case.number,)).fetchone():
                    continue
                last = 0
                for event in case.events:
                    cursor = conn.execute(
                        "INSERT INTO events(case_number, occurred_at, code, text, due_date,"
                        " office, hearing) VALUES (?, ?, ?, ?, ?, ?, ?)",
                        (case.number, _ts(event.occurred_at), event.code, event.text,
                         event.due_date.isoformat() if event.due_date else None, event.office,
                         _hearing_json(event.hearing)))
                    last = int(cursor.lastrowid or 0)
                conn.execute("INSERT INTO cases VALUES (?, ?, ?, ?, ?, ?)",
                             (case.number, case.case_type, case.office, case.subject_ref,
                              access_code_digest(case.number, case.access_code), last))
                if case.identity != IdentityTerms():
                    conn.execute("INSERT OR REPLACE INTO identities VALUES (?, ?)",
                                 (case.subject_ref, _identity_json(case.identity)))
                conn.executemany(_INSERT_RELATED, _related_rows(case))
                added.append(case.number)
        return added

    def ensure_related(self, records: Iterable[CaseRecord]) -> int:
        """Record the related cases of ``records`` for those the store holds and that have
        none recorded yet (a store seeded before related cases were kept); returns how many
        were added. What a store already records for a case is left as it is."""
        rows = [row for case in records if case.related for row in _related_rows(case)]
        if not rows:
            return 0
        conn = self._conn()
        added = 0
        with self._write_lock, conn:
            conn.execute("BEGIN IMMEDIATE")
            for number in dict.fromkeys(str(row[0]) for row in rows):
                held = conn.execute("SELECT EXISTS(SELECT 1 FROM cases WHERE number = ?),"
                                    " EXISTS(SELECT 1 FROM related_cases WHERE case_number = ?)",
                                    (number, number)).fetchone()
                if held[0] and not held[1]:
                    mine = [row for row in rows if row[0] == number]
                    conn.executemany(_INSERT_RELATED, mine)
                    added += len(mine)
        return added

    def latest_cursor(self) -> int:
        """Cursor of the newest change."""
        return int(self._conn().execute("SELECT COALESCE(MAX(id), 0) FROM events").fetchone()[0])

    def changes_since(self, cursor: int, limit: int) -> list[ChangeRecord]:
        """Up to ``limit`` changes after ``cursor``, oldest first."""
        rows = self._conn().execute(
            "SELECT * FROM events WHERE id > ? ORDER BY id LIMIT ?", (cursor, limit))
        return [ChangeRecord(row["id"], row["case_number"], _event_from_row(row)) for row in rows]

    def append_event(self, number: str, event: EventRecord) -> int:
        """Record a new status for an existing case (the agency's own workflow); returns its id."""
        conn = self._conn()
        with self._write_lock, conn:
            # Other processes write too (`caseline adapter record-event` beside the demo's
            # activity): take the write lock up front, waiting for theirs (the connection's
            # busy timeout), instead of failing half-way when a read upgrades to a write.
            conn.execute("BEGIN IMMEDIATE")
            cursor = conn.execute(
                "INSERT INTO events(case_number, occurred_at, code, text, due_date, office,"
                " hearing) SELECT number, ?, ?, ?, ?, ?, ? FROM cases WHERE number = ?",
                (_ts(event.occurred_at), event.code, event.text,
                 event.due_date.isoformat() if event.due_date else None, event.office,
                 _hearing_json(event.hearing), number))
            if cursor.rowcount != 1:
                raise KeyError(f"no case {number}")
            event_id = int(cursor.lastrowid or 0)
            conn.execute("UPDATE cases SET last_event_id = ? WHERE number = ?", (event_id, number))
            if self._classifier is not None:
                apply_event(conn, self._classifier, number, event_id)
        return event_id

    def _statistics(self) -> StatusClassifier:
        if self._classifier is None:
            raise UnimplementedError("processing statistics are not kept for this store (its "
                                     "agency has no mapping table here)", "NOT_OFFERED")
        return self._classifier

    def processing_aggregates(self, case_type: str, months: Sequence[str],
                              office: str | None, today: date) -> ProcessingAggregates:
        """Cell histograms from the summary tables (two index range scans)."""
        self._statistics()
        return read_aggregates(self._conn(), case_type, months, office, today)

    def statistics_version(self, case_type: str) -> int:
        """Changes whenever ``case_type``'s aggregates do (answers may be cached until)."""
        self._statistics()
        return summary_version(self._conn(), case_type)
