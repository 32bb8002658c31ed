"""The aggregator's store: subjects and their linked cases."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import create_engine, delete, event, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from aggregator.consent import ConsentRecord
from aggregator.model import Link
from aggregator.store.schema import consents, links, metadata, subjects

__all__ = ["Store"]


def _sqlite_pragmas(dbapi_conn: object, _record: object) -> None:
    cursor = dbapi_conn.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


class Store:
    """Subjects, links and consent versions. A subject's links and current consents are
    cached in memory and invalidated on every write through this store (the only writer)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine: Engine = create_engine(url, future=True)
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
        metadata.create_all(self.engine)
        self._links_cache: dict[str, tuple[Link, ...]] = {}
        self._consents_cache: dict[tuple[str, str], tuple[ConsentRecord, ...]] = {}
        self._lock = threading.Lock()

    def ensure_subject(self, subject_id: str, language: str = "en") -> None:
        """Create the subject if it does not exist."""
        with self.engine.begin() as conn:
            exists = conn.execute(select(subjects.c.id).where(subjects.c.id == subject_id)).first()
            if exists is None:
                conn.execute(subjects.insert().values(
                    id=subject_id, language=language, created_at=datetime.now(UTC)))

    def links_for(self, subject_id: str) -> tuple[Link, ...]:
        """The subject's linked cases, oldest link first."""
        cached = self._links_cache.get(subject_id)
        if cached is not None:
            return cached
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(links).where(links.c.subject_id == subject_id)
                .order_by(links.c.linked_at, links.c.agency_id, links.c.case_number)).all()
        result = tuple(Link(r.subject_id, r.agency_id, r.case_number,
                            r.linked_at.replace(tzinfo=r.linked_at.tzinfo or UTC)) for r in rows)
        with self._lock:
            self._links_cache[subject_id] = result
        return result

    def add_link(self, subject_id: str, agency_id: str, case_number: str) -> bool:
        """Link a case; False when it was already linked."""
        values = {"subject_id": subject_id, "agency_id": agency_id, "case_number": case_number,
                  "linked_at": datetime.now(UTC)}
        insert = pg_insert if self.engine.dialect.name == "postgresql" else sqlite_insert
        # RETURNING says whether a row went in; rowcount is unreliable across drivers here.
        statement = (insert(links).values(**values).on_conflict_do_nothing()
                     .returning(links.c.subject_id))
        with self.engine.begin() as conn:
            inserted = conn.execute(statement).first() is not None
        self._invalidate(subject_id)
        return inserted

    def remove_link(self, subject_id: str, agency_id: str, case_number: str) -> bool:
        """Unlink a case; False when it was not linked."""
        with self.engine.begin() as conn:
            result = conn.execute(delete(links).where(
                (links.c.subject_id == subject_id) & (links.c.agency_id == agency_id)
                & (links.c.case_number == case_number)))
        self._invalidate(subject_id)
        return bool(result.rowcount)

    def _invalidate(self, subject_id: str) -> None:
        with self._lock:
            self._links_cache.pop(subject_id, None)

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
                    purpose_text=record.purpose_text, valid_from=record.valid_from,
                    valid_until=record.valid_until, state=record.state,
                    created_at=record.created_at, signature=record.signature))
        except IntegrityError as exc:
            raise ValueError(f"consent {record.id} version {record.version} exists") from exc
        finally:
            with self._lock:
                self._consents_cache.clear()

    def consent(self, consent_id: str) -> ConsentRecord | None:
        """The current (latest) version of a consent."""
        with self.engine.connect() as conn:
            row = conn.execute(select(consents).where(consents.c.id == consent_id)
                               .order_by(consents.c.version.desc()).limit(1)).first()
        return _consent_of(row._mapping) if row else None

    def consent_history(self, consent_id: str) -> list[ConsentRecord]:
        """Every version of a consent, oldest first."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(consents).where(consents.c.id == consent_id)
                                .order_by(consents.c.version)).all()
        return [_consent_of(r._mapping) for r in rows]

    def consents_granted_by(self, subject_id: str) -> tuple[ConsentRecord, ...]:
        """Current versions of the consents a subject granted, newest first."""
        return self._current("subject_id", subject_id)

    def consents_granted_to(self, grantee_id: str) -> tuple[ConsentRecord, ...]:
        """Current versions of the consents granted to a grantee, newest first."""
        return self._current("grantee_id", grantee_id)

    def _current(self, column: str, value: str) -> tuple[ConsentRecord, ...]:
        key = (column, value)
        cached = self._consents_cache.get(key)
        if cached is not None:
            return cached
        latest = (select(consents.c.id, func.max(consents.c.version).label("version"))
                  .where(consents.c[column] == value).group_by(consents.c.id).subquery())
        query = (select(consents).join(latest, (consents.c.id == latest.c.id)
                                       & (consents.c.version == latest.c.version)))
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        records = sorted((_consent_of(r._mapping) for r in rows),
                         key=lambda r: (r.created_at, r.id), reverse=True)
        result = tuple(records)
        with self._lock:
            self._consents_cache[key] = result
        return result

    def close(self) -> None:
        """Release connections."""
        self.engine.dispose()


def _utc(value: datetime) -> datetime:
    # SQLite returns naive datetimes for timezone-aware columns; they were stored as UTC.
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _consent_of(row: Any) -> ConsentRecord:
    return ConsentRecord(
        id=row["id"], version=row["version"], subject_id=row["subject_id"],
        grantee_id=row["grantee_id"], agencies=tuple(json.loads(row["agencies"])),
        scopes=tuple(json.loads(row["scopes"])), purpose_code=row["purpose_code"],
        purpose_text=row["purpose_text"], valid_from=_utc(row["valid_from"]),
        valid_until=_utc(row["valid_until"]), state=row["state"],
        created_at=_utc(row["created_at"]), signature=row["signature"])
