"""The webhook tables (SQLAlchemy Core), beside the store's in the aggregator's database,
portable across SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import Column, DateTime, Index, Integer, MetaData, String, Table, Text

__all__ = ["metadata", "webhook_deliveries", "webhook_endpoints"]

metadata = MetaData()

# One row per registered endpoint. The URL and the signing secrets are sealed under the
# account's own data key (aggregator.vault.SubjectKeys): erasing the account's data makes
# its endpoints unusable, and a copy of the database alone cannot forge a signature.
webhook_endpoints = Table(
    "webhook_endpoints", metadata,
    Column("id", String(40), primary_key=True),
    Column("account_id", String(64), nullable=False, index=True),
    # base64 of the sealed URL
    Column("url_sealed", Text, nullable=False),
    # base64 of the sealed JSON list of secrets (current first, then those in their grace)
    Column("secrets_sealed", Text, nullable=False),
    # UNVERIFIED, ACTIVE or DISABLED (aggregator.notify.webhooks.model.EndpointState)
    Column("state", String(16), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("verified_at", DateTime(timezone=True), nullable=True),
    # Why the endpoint is not ACTIVE: the last verification's failure, or what disabled it.
    Column("problem", Text, nullable=True),
)

# Every attempt to call an endpoint (deliveries and verification handshakes), kept for the
# account to read; only the newest rows per endpoint are kept (WebhookSettings.log_limit).
webhook_deliveries = Table(
    "webhook_deliveries", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("endpoint_id", String(40), nullable=False),
    # The notification id (the webhook-id header), or the verification event's id.
    Column("message_id", String(64), nullable=False),
    Column("event_type", String(40), nullable=False),
    Column("attempted_at", DateTime(timezone=True), nullable=False),
    # The HTTP status answered; null when no answer came (timeout, refused connection).
    Column("status", Integer, nullable=True),
    Column("duration_ms", Integer, nullable=False),
    Column("error", Text, nullable=False, default=""),
    Index("webhook_deliveries_by_endpoint", "endpoint_id", "id"),
)
