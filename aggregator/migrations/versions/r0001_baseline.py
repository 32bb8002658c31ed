"""Baseline: the aggregator's database as it was when Alembic took over schema changes.

Revision ID: r0001
Revises: (none)

The tables are frozen here as they were, in a MetaData of this revision's own (later
revisions change them with ``op`` calls; the application's tables may move on). Creating
only what is missing (``create_all`` checks first) also lets a database from before Alembic
be brought to the baseline: aggregator/migrations/legacy.py upgrades its existing tables by
hand, then this fills in the tables it lacks.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "r0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None

BASELINE = sa.MetaData()

sa.Table(
    "accounts", BASELINE,
    sa.Column("id", sa.String(length=64), nullable=False),
    sa.Column("role", sa.String(length=16), nullable=False),
    sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
    sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint("id"),
)
sa.Table(
    "consents", BASELINE,
    sa.Column("id", sa.String(length=40), nullable=False),
    sa.Column("version", sa.Integer(), nullable=False),
    sa.Column("subject_id", sa.String(length=64), nullable=False),
    sa.Column("grantee_id", sa.String(length=64), nullable=False),
    sa.Column("agencies", sa.Text(), nullable=False),
    sa.Column("scopes", sa.Text(), nullable=False),
    sa.Column("purpose_code", sa.String(length=40), nullable=False),
    sa.Column("purpose_text", sa.Text(), nullable=False),
    sa.Column("valid_from", sa.DateTime(timezone=True), nullable=False),
    sa.Column("valid_until", sa.DateTime(timezone=True), nullable=False),
    sa.Column("state", sa.String(length=16), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("signature", sa.Text(), nullable=False),
    sa.Column("shared_name", sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint("id", "version"),
    sa.Index("ix_consents_grantee_id", "grantee_id"),
    sa.Index("ix_consents_subject_id", "subject_id"),
)
sa.Table(
    "invitations", BASELINE,
    sa.Column("grantee_id", sa.String(length=64), nullable=False),
    sa.Column("code_ref", sa.String(length=64), nullable=False),
    sa.Column("code_sealed", sa.Text(), nullable=False),
    sa.Column("display_name_sealed", sa.Text(), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint("grantee_id"),
    sa.UniqueConstraint("code_ref"),
)
sa.Table(
    "link_actors", BASELINE,
    sa.Column("pseudonym", sa.String(length=64), nullable=False),
    sa.Column("subject_id", sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint("pseudonym"),
)
sa.Table(
    "links", BASELINE,
    sa.Column("subject_id", sa.String(length=64), nullable=False),
    sa.Column("agency_id", sa.String(length=32), nullable=False),
    sa.Column("case_ref", sa.String(length=64), nullable=False),
    sa.Column("case_number_sealed", sa.LargeBinary(), nullable=False),
    sa.Column("linked_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("access_code_ref", sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint("subject_id", "agency_id", "case_ref"),
    sa.Index("links_one_holder", "agency_id", "case_ref", unique=True),
)
sa.Table(
    "store_version", BASELINE,
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("version", sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint("id"),
)
sa.Table(
    "subjects", BASELINE,
    sa.Column("id", sa.String(length=64), nullable=False),
    sa.Column("language", sa.String(length=8), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint("id"),
)
sa.Table(
    "vault_shredded_subjects", BASELINE,
    sa.Column("subject_id", sa.String(length=64), nullable=False),
    sa.Column("shredded_at", sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint("subject_id"),
)
sa.Table(
    "vault_subject_keys", BASELINE,
    sa.Column("subject_id", sa.String(length=64), nullable=False),
    sa.Column("version", sa.Integer(), nullable=False),
    sa.Column("kek_id", sa.String(length=64), nullable=False),
    sa.Column("wrapped", sa.LargeBinary(), nullable=False),
    sa.Column("encryptions", sa.BigInteger(), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint("subject_id", "version"),
    sa.Index("ix_vault_subject_keys_kek_id", "kek_id"),
)
sa.Table(
    "notify_deliveries", BASELINE,
    sa.Column("id", sa.String(length=32), nullable=False),
    sa.Column("notification_id", sa.String(length=32), nullable=False),
    sa.Column("channel", sa.String(length=16), nullable=False),
    sa.Column("target", sa.String(length=512), nullable=False),
    sa.Column("state", sa.String(length=16), nullable=False),
    sa.Column("attempts", sa.Integer(), nullable=False),
    sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("last_error", sa.Text(), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("ledger_at", sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint("id"),
    sa.Index("ix_notify_deliveries_notification_id", "notification_id"),
    sa.Index("notify_deliveries_due", "state", "next_attempt_at"),
)
sa.Table(
    "notify_notifications", BASELINE,
    sa.Column("id", sa.String(length=32), nullable=False),
    sa.Column("recipient_id", sa.String(length=64), nullable=False),
    sa.Column("subject_id", sa.String(length=64), nullable=False),
    sa.Column("agency_id", sa.String(length=32), nullable=False),
    sa.Column("case_ref", sa.String(length=64), nullable=False),
    sa.Column("case_number_sealed", sa.LargeBinary(), nullable=False),
    sa.Column("event_id", sa.String(length=128), nullable=False),
    sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("category", sa.String(length=32), nullable=False),
    sa.Column("milestone", sa.String(length=48), nullable=False),
    sa.Column("action_required", sa.Boolean(), nullable=False),
    sa.Column("titles", sa.Text(), nullable=False),
    sa.Column("read", sa.Boolean(), nullable=False),
    sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("kind", sa.String(length=16), server_default="change", nullable=False),
    sa.Column("alert_sealed", sa.LargeBinary(), nullable=True),
    sa.PrimaryKeyConstraint("id"),
    sa.Index("notify_notifications_delivered", "delivered_at"),
    sa.Index("notify_notifications_inbox", "recipient_id", "occurred_at", "id"),
)
sa.Table(
    "notify_preferences", BASELINE,
    sa.Column("account_id", sa.String(length=64), nullable=False),
    sa.Column("channels", sa.Text(), nullable=False),
    sa.Column("agencies", sa.Text(), nullable=True),
    sa.Column("only_action_required", sa.Boolean(), nullable=False),
    sa.Column("email_details", sa.Boolean(), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint("account_id"),
)
sa.Table(
    "notify_seen_cases", BASELINE,
    sa.Column("agency_id", sa.String(length=32), nullable=False),
    sa.Column("case_ref", sa.String(length=64), nullable=False),
    sa.Column("event_id", sa.String(length=128), nullable=False),
    sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint("agency_id", "case_ref"),
)
sa.Table(
    "notify_watch_cursors", BASELINE,
    sa.Column("agency_id", sa.String(length=32), nullable=False),
    sa.Column("cursor", sa.String(length=64), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint("agency_id"),
)
sa.Table(
    "notify_stream_positions", BASELINE,
    sa.Column("stream", sa.String(length=64), nullable=False),
    sa.Column("consumer", sa.String(length=64), nullable=False),
    sa.Column("last_sequence", sa.BigInteger(), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint("stream", "consumer"),
)
sa.Table(
    "email_addresses", BASELINE,
    sa.Column("account_id", sa.String(length=64), nullable=False),
    sa.Column("address_id", sa.String(length=40), nullable=False),
    sa.Column("address_ref", sa.String(length=64), nullable=False),
    sa.Column("address_sealed", sa.LargeBinary(), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("unsubscribed_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("verify_nonce", sa.String(length=64), nullable=True),
    sa.Column("verify_sent_at", sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint("account_id"),
    sa.UniqueConstraint("address_id"),
)
sa.Table(
    "webhook_deliveries", BASELINE,
    sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
    sa.Column("endpoint_id", sa.String(length=40), nullable=False),
    sa.Column("message_id", sa.String(length=64), nullable=False),
    sa.Column("event_type", sa.String(length=40), nullable=False),
    sa.Column("attempted_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("status", sa.Integer(), nullable=True),
    sa.Column("duration_ms", sa.Integer(), nullable=False),
    sa.Column("error", sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint("id"),
    sa.Index("webhook_deliveries_by_endpoint", "endpoint_id", "id"),
)
sa.Table(
    "webhook_endpoints", BASELINE,
    sa.Column("id", sa.String(length=40), nullable=False),
    sa.Column("account_id", sa.String(length=64), nullable=False),
    sa.Column("url_sealed", sa.Text(), nullable=False),
    sa.Column("secrets_sealed", sa.Text(), nullable=False),
    sa.Column("state", sa.String(length=16), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("problem", sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint("id"),
    sa.Index("ix_webhook_endpoints_account_id", "account_id"),
)


def upgrade() -> None:
    """Create the baseline tables that are missing."""
    BASELINE.create_all(op.get_bind())


def downgrade() -> None:
    """Drop every baseline table (an empty database again)."""
    BASELINE.drop_all(op.get_bind())
