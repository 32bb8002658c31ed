"""The notification tables (SQLAlchemy Core, portable across SQLite and PostgreSQL), in the
aggregator's database beside the store's; created by its migrations (aggregator/migrations)."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    inspect,
    text,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError, ProgrammingError

__all__ = ["add_alert_columns", "create_tables", "deliveries", "metadata", "notifications",
           "preferences", "seen_cases", "watch_cursors"]

metadata = MetaData()

# One row per agency: where its watcher resumes the change stream (written in the same
# transaction as the notifications the changes before it produced).
watch_cursors = Table(
    "notify_watch_cursors", metadata,
    Column("agency_id", String(32), primary_key=True),
    Column("cursor", String(64), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

# The last change each watcher saw per case (keyed case reference, never the number): a
# repeated event of a case is recognised before anyone is matched.
seen_cases = Table(
    "notify_seen_cases", metadata,
    Column("agency_id", String(32), nullable=False),
    Column("case_ref", String(64), nullable=False),
    Column("event_id", String(128), nullable=False),
    Column("occurred_at", DateTime(timezone=True), nullable=False),
    Column("seen_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("agency_id", "case_ref"),
)

# A change as told to one recipient. The case number is personal data: sealed under the
# subject's data key (erasing the subject makes it unopenable), found by its keyed reference.
notifications = Table(
    "notify_notifications", metadata,
    Column("id", String(32), primary_key=True),
    Column("recipient_id", String(64), nullable=False),
    Column("subject_id", String(64), nullable=False),
    Column("agency_id", String(32), nullable=False),
    Column("case_ref", String(64), nullable=False),
    Column("case_number_sealed", LargeBinary, nullable=False),
    Column("event_id", String(128), nullable=False),
    Column("occurred_at", DateTime(timezone=True), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("category", String(32), nullable=False),
    Column("milestone", String(48), nullable=False),
    Column("action_required", Boolean, nullable=False),
    # Mapped titles per language, JSON: the shared vocabulary's words, no personal data.
    Column("titles", Text, nullable=False),
    Column("read", Boolean, nullable=False, default=False),
    # Set when the in-app delivery happened: the inbox lists delivered ones only.
    Column("delivered_at", DateTime(timezone=True), nullable=True),
    # What it tells (NotificationKind): "change" for an agency's change (every row written
    # before alerts existed), or an alert kind.
    Column("kind", String(16), nullable=False, default="change", server_default="change"),
    # An alert's details (AlertDetails as JSON: its due date is case data), sealed like the
    # case number; null for a change.
    Column("alert_sealed", LargeBinary, nullable=True),
    Index("notify_notifications_inbox", "recipient_id", "occurred_at", "id"),
    Index("notify_notifications_delivered", "delivered_at"),
)

# The outbox: one row per channel and target of a notification.
deliveries = Table(
    "notify_deliveries", metadata,
    Column("id", String(32), primary_key=True),
    Column("notification_id", String(32), nullable=False, index=True),
    Column("channel", String(16), nullable=False),
    Column("target", String(512), nullable=False),
    Column("state", String(16), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    # Due time of a PENDING delivery; a claim moves it on by the lease, so a deliverer
    # that dies mid-send leaves it due again once the lease ends.
    Column("next_attempt_at", DateTime(timezone=True), nullable=False),
    Column("last_error", Text, nullable=False, default=""),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("delivered_at", DateTime(timezone=True), nullable=True),
    # When the ledger recorded this delivery as an access (once, before the first send).
    Column("ledger_at", DateTime(timezone=True), nullable=True),
    Index("notify_deliveries_due", "state", "next_attempt_at"),
)

# What each person wants to be told, and how (absent: the defaults).
preferences = Table(
    "notify_preferences", metadata,
    Column("account_id", String(64), primary_key=True),
    Column("channels", Text, nullable=False),  # JSON list of ChannelKind values
    Column("agencies", Text, nullable=True),  # JSON list; null: every agency
    Column("only_action_required", Boolean, nullable=False),
    Column("email_details", Boolean, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)


def create_tables(engine: Engine) -> None:
    """Make sure the aggregator's database has its tables (aggregator.migrations)."""
    from aggregator.migrations import ensure_schema

    ensure_schema(engine)


def add_alert_columns(engine: Engine) -> None:
    """Add the columns a database from before alerts lacks (additive, with defaults: its rows
    read back as the changes they were); for databases from before migrations."""
    present = {c["name"] for c in inspect(engine).get_columns(notifications.name)}
    for column in ("kind", "alert_sealed"):
        if column in present:
            continue
        definition = notifications.c[column]
        kind = definition.type.compile(dialect=engine.dialect)
        extra = " NOT NULL DEFAULT 'change'" if column == "kind" else ""
        try:
            with engine.begin() as conn:
                conn.execute(text(f"ALTER TABLE {notifications.name} ADD COLUMN "
                                  f"{column} {kind}{extra}"))
        except (OperationalError, ProgrammingError):
            # Another process added it first: fine when it is there now.
            if column not in {c["name"] for c in inspect(engine).get_columns(
                    notifications.name)}:
                raise
