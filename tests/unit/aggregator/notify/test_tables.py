"""A notification table from before alerts gains the alert columns, and its rows read back
unchanged, as changes."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine, inspect, select, text

from aggregator.notify.model import NotificationKind
from aggregator.notify.rows import notification_of
from aggregator.notify.tables import create_tables, notifications

T0 = datetime(2026, 11, 1, 12, tzinfo=UTC)

# The table as it was before alerts (its columns, not its indexes).
OLD = """CREATE TABLE notify_notifications (
    id VARCHAR(32) PRIMARY KEY, recipient_id VARCHAR(64) NOT NULL,
    subject_id VARCHAR(64) NOT NULL, agency_id VARCHAR(32) NOT NULL,
    case_ref VARCHAR(64) NOT NULL, case_number_sealed BLOB NOT NULL,
    event_id VARCHAR(128) NOT NULL, occurred_at DATETIME NOT NULL,
    created_at DATETIME NOT NULL, category VARCHAR(32) NOT NULL,
    milestone VARCHAR(48) NOT NULL, action_required BOOLEAN NOT NULL, titles TEXT NOT NULL,
    read BOOLEAN NOT NULL, delivered_at DATETIME)"""


def test_an_old_table_gains_the_alert_columns_and_keeps_its_rows(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'old.sqlite3'}")
    with engine.begin() as conn:
        conn.execute(text(OLD))
        conn.execute(text(
            "INSERT INTO notify_notifications VALUES ('n1', 'ana', 'ana', 'courts', 'ref', "
            "x'00', 'e1', '2026-11-01 12:00:00', '2026-11-01 12:00:00', 'ACTIVE', "
            "'HEARING_SCHEDULED', 1, :titles, 0, NULL)"),
            {"titles": json.dumps({"en": "Hearing scheduled"})})
    create_tables(engine)
    create_tables(engine)  # again: nothing to add
    columns = {c["name"] for c in inspect(engine).get_columns("notify_notifications")}
    assert {"kind", "alert_sealed"} <= columns
    with engine.connect() as conn:
        row = conn.execute(select(notifications)).one()._mapping
    told = notification_of(row, "A123")
    assert (told.kind, told.alert, told.titles, told.milestone, told.occurred_at) == (
        NotificationKind.CHANGE, None, {"en": "Hearing scheduled"}, "HEARING_SCHEDULED", T0)


def test_a_new_database_has_them_from_the_start(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'new.sqlite3'}")
    create_tables(engine)
    columns = {c["name"] for c in inspect(engine).get_columns("notify_notifications")}
    assert {"kind", "alert_sealed", "delivered_at"} <= columns
