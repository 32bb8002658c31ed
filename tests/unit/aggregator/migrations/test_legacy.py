"""A database from before migrations: its hand-written upgrades run, it is stamped, and it
ends at this release's schema with every row it had."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from aggregator.migrations import head_revision, schema_status
from aggregator.migrations import upgrade as migrate
from aggregator.migrations.registry import SCHEMAS
from aggregator.store import make_engine

# Tables as an older Caseline created them: consents before shared names, links before
# one-holder links, notifications before alerts, no accounts table.
OLD_LAYOUT = [
    """CREATE TABLE subjects (id VARCHAR(64) NOT NULL PRIMARY KEY,
       language VARCHAR(8) NOT NULL, created_at DATETIME NOT NULL)""",
    """CREATE TABLE links (subject_id VARCHAR(64) NOT NULL, agency_id VARCHAR(32) NOT NULL,
       case_ref VARCHAR(64) NOT NULL, case_number_sealed BLOB NOT NULL,
       linked_at DATETIME NOT NULL, PRIMARY KEY (subject_id, agency_id, case_ref))""",
    """CREATE TABLE consents (id VARCHAR(40) NOT NULL, version INTEGER NOT NULL,
       subject_id VARCHAR(64) NOT NULL, grantee_id VARCHAR(64) NOT NULL,
       agencies TEXT NOT NULL, scopes TEXT NOT NULL, purpose_code VARCHAR(40) NOT NULL,
       purpose_text TEXT NOT NULL, valid_from DATETIME NOT NULL, valid_until DATETIME NOT NULL,
       state VARCHAR(16) NOT NULL, created_at DATETIME NOT NULL, signature TEXT NOT NULL,
       PRIMARY KEY (id, version))""",
    "CREATE INDEX ix_consents_subject_id ON consents (subject_id)",
    "CREATE INDEX ix_consents_grantee_id ON consents (grantee_id)",
    """CREATE TABLE store_version (id INTEGER NOT NULL PRIMARY KEY,
       version INTEGER NOT NULL)""",
    """CREATE TABLE vault_shredded_subjects (subject_id VARCHAR(64) NOT NULL PRIMARY KEY,
       shredded_at DATETIME NOT NULL)""",
    """CREATE TABLE notify_notifications (
       id VARCHAR(32) NOT NULL PRIMARY KEY, recipient_id VARCHAR(64) NOT NULL,
       subject_id VARCHAR(64) NOT NULL, agency_id VARCHAR(32) NOT NULL,
       case_ref VARCHAR(64) NOT NULL, case_number_sealed BLOB NOT NULL,
       event_id VARCHAR(128) NOT NULL, occurred_at DATETIME NOT NULL,
       created_at DATETIME NOT NULL, category VARCHAR(32) NOT NULL,
       milestone VARCHAR(48) NOT NULL, action_required BOOLEAN NOT NULL, titles TEXT NOT NULL,
       read BOOLEAN NOT NULL, delivered_at DATETIME)""",
    """CREATE INDEX notify_notifications_inbox ON notify_notifications
       (recipient_id, occurred_at, id)""",
    "CREATE INDEX notify_notifications_delivered ON notify_notifications (delivered_at)",
]
ROWS = [
    "INSERT INTO subjects VALUES ('ana', 'es', '2026-01-05 10:00:00.000000')",
    "INSERT INTO subjects VALUES ('zoe', 'en', '2026-01-06 10:00:00.000000')",
    "INSERT INTO links VALUES ('ana', 'courts', 'ref1', x'0102', '2026-01-05 11:00:00.000000')",
    """INSERT INTO consents VALUES ('cns_1', 1, 'ana', 'lee', '["courts"]', '["STATUS"]',
       'LEGAL_REPRESENTATION', 'sealed:AAAA', '2026-01-05 00:00:00.000000',
       '2026-02-05 00:00:00.000000', 'ACTIVE', '2026-01-04 09:00:00.000000', 'c2ln')""",
    "INSERT INTO store_version VALUES (1, 7)",
    "INSERT INTO vault_shredded_subjects VALUES ('zoe', '2026-01-07 10:00:00.000000')",
    """INSERT INTO notify_notifications VALUES ('n1', 'ana', 'ana', 'courts', 'ref1', x'00',
       'e1', '2026-01-05 12:00:00', '2026-01-05 12:00:00', 'ACTIVE', 'HEARING_SCHEDULED', 1,
       '{"en": "Hearing scheduled"}', 0, NULL)""",
]


def _old_database(path: Path) -> sa.Engine:
    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        for statement in [*OLD_LAYOUT, *ROWS]:
            conn.execute(sa.text(statement))
    return engine


def test_an_old_sqlite_database_upgrades_keeping_its_rows(tmp_path: Path) -> None:
    engine = _old_database(tmp_path / "old.sqlite3")
    before, after = migrate(engine)
    assert before.legacy and after.current == (head_revision(),)
    combined = sa.MetaData()
    for schema in SCHEMAS:
        for table in schema.tables.values():
            table.to_metadata(combined)
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), combined) == []
        links = conn.execute(sa.text(
            "SELECT subject_id, case_ref, case_number_sealed, access_code_ref FROM links")).all()
        consent = conn.execute(sa.text(
            "SELECT id, purpose_text, shared_name FROM consents")).one()
        notification = conn.execute(sa.text(
            "SELECT id, kind, alert_sealed, titles FROM notify_notifications")).one()
        accounts = conn.execute(sa.text(
            "SELECT id, role, erased_at IS NOT NULL FROM accounts ORDER BY id")).all()
        version = conn.execute(sa.text("SELECT version FROM store_version")).scalar()
    assert links == [("ana", "ref1", b"\x01\x02", None)]
    assert tuple(consent) == ("cns_1", "sealed:AAAA", None)
    assert tuple(notification) == ("n1", "change", None, '{"en": "Hearing scheduled"}')
    # Everyone the store knew gets an account; a shredded subject's is erased.
    assert [tuple(a) for a in accounts] == [("ana", "applicant", 0), ("zoe", "applicant", 1)]
    assert version == 8  # the accounts created count as a change (caches drop)


def test_the_upgraded_database_is_then_like_any_other(tmp_path: Path) -> None:
    engine = _old_database(tmp_path / "old.sqlite3")
    migrate(engine)
    before, after = migrate(engine)
    assert not before.legacy and before.at_head and after.at_head
    assert schema_status(engine).current == (head_revision(),)
