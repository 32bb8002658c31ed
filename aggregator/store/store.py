"""The aggregator's store: subjects and their linked cases."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from sqlalchemy import create_engine, delete, event, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine

from aggregator.model import Link
from aggregator.store.schema import links, metadata, subjects

__all__ = ["Store"]


def _sqlite_pragmas(dbapi_conn: object, _record: object) -> None:
    cursor = dbapi_conn.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


class Store:
    """Links and subjects. Reads of a subject's links are cached in memory and invalidated
    on every write through this store (the only writer)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine: Engine = create_engine(url, future=True)
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
        metadata.create_all(self.engine)
        self._links_cache: dict[str, tuple[Link, ...]] = {}
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

    def close(self) -> None:
        """Release connections."""
        self.engine.dispose()
