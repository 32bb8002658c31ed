"""Schema changes of the subject store from before migrations (Alembic took over: see
aggregator/migrations), run on such a database before it is stamped at the baseline
(aggregator/migrations/legacy.py): each checks whether it is needed and is safe to run
again."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from sqlalchemy import inspect, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError

from aggregator.consent.vocabulary import Role
from aggregator.store.tables import accounts, consents, links, store_version, subjects

__all__ = ["add_link_holders", "add_shared_names", "bump_version", "create_accounts",
           "legacy_links"]

log = logging.getLogger("caseline.aggregator.store")


def bump_version(conn: Connection) -> None:
    """Count a change to the store, so every process's caches drop what they hold."""
    # One statement (an upsert), not an update then an insert: two replicas making the first
    # change to a new database at once would both insert, and one would fail.
    insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    conn.execute(insert(store_version).values(id=1, version=1).on_conflict_do_update(
        index_elements=[store_version.c.id], set_={"version": store_version.c.version + 1}))


def _utc_of(value: object) -> datetime:
    # Raw SQL on SQLite returns the stored text rather than a datetime.
    at = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def add_shared_names(engine: Engine) -> None:
    """Stores from before shared names: add the (nullable) column; every consent in
    them was granted without a name."""
    if "shared_name" not in {c["name"] for c in inspect(engine).get_columns("consents")}:
        with engine.begin() as conn:
            conn.execute(text("ALTER TABLE consents ADD COLUMN shared_name TEXT"))


def add_link_holders(engine: Engine) -> None:
    """Stores from before one-holder links: add the access-code column, and the unique
    index that keeps a case linked to one subject (unless such a store already holds a
    case under several subjects: those stay, new ones are refused by the link service)."""
    if "access_code_ref" not in {c["name"] for c in inspect(engine).get_columns("links")}:
        with engine.begin() as conn:
            conn.execute(text("ALTER TABLE links ADD COLUMN access_code_ref VARCHAR(64)"))
    try:
        with engine.begin() as conn:
            conn.execute(text("CREATE UNIQUE INDEX IF NOT EXISTS links_one_holder "
                              "ON links (agency_id, case_ref)"))
    except (IntegrityError, OperationalError, ProgrammingError) as exc:
        log.warning("some cases are linked to several subjects (linked before one-holder "
                    "links); they stay so until unlinked: %s", exc.__class__.__name__)

def create_accounts(engine: Engine) -> None:
    """Give a store from before the account registry an account for everyone it knows
    as a subject (they had cases or granted consents: applicants), erased when the
    vault had already shredded their keys."""
    sources = [select(subjects.c.id.label("id"), subjects.c.created_at.label("at")),
               select(links.c.subject_id, links.c.linked_at),
               select(consents.c.subject_id, consents.c.created_at)]
    seen: dict[str, datetime] = {}
    with engine.connect() as conn:
        for query in sources:
            for subject_id, value in conn.execute(query).all():
                at = _utc_of(value)
                seen[subject_id] = min(at, seen.get(subject_id, at))
        erased: dict[str, datetime] = {}
        # The vault's tombstones share this database; read once, by name, as a migration.
        if inspect(conn).has_table("vault_shredded_subjects"):
            for subject_id, value in conn.execute(text(
                    "SELECT subject_id, shredded_at FROM vault_shredded_subjects")).all():
                erased[subject_id] = _utc_of(value)
    if not seen:
        return
    insert = pg_insert if engine.dialect.name == "postgresql" else sqlite_insert
    with engine.begin() as conn:
        conn.execute(insert(accounts).values([
            {"id": subject_id, "role": Role.APPLICANT, "first_seen": at,
             "erased_at": erased.get(subject_id)} for subject_id, at in seen.items()])
            .on_conflict_do_nothing())
        bump_version(conn)


def legacy_links(engine: Engine) -> bool:
    """Whether ``links`` still holds plaintext case numbers (a store from before sealing);
    if so it is renamed aside, to be sealed into the new table."""
    columns = {c["name"] for c in inspect(engine).get_columns("links")} \
        if inspect(engine).has_table("links") else set()
    if "case_number" not in columns:
        return False
    with engine.begin() as conn:
        conn.execute(text("ALTER TABLE links RENAME TO links_plaintext"))
    return True

