"""The e-mail channel's table (SQLAlchemy Core), portable across SQLite and PostgreSQL.

Its own ``MetaData``: the channel creates what it needs in the aggregator's database without
the store's schema knowing of it.
"""

from __future__ import annotations

from sqlalchemy import Column, DateTime, LargeBinary, MetaData, String, Table

__all__ = ["email_addresses", "metadata"]

metadata = MetaData()

# One address per account: the identity provider's verified ``email`` claim, as last seen.
# The address is personal data: sealed under the account's data key (gone when the account's
# data is erased); ``address_ref`` is a keyed digest of it, to notice a changed claim without
# opening anything. ``address_id`` is what deliveries name as their target: random, so the
# outbox and logs never hold the address.
email_addresses = Table(
    "email_addresses", metadata,
    Column("account_id", String(64), primary_key=True),
    Column("address_id", String(40), nullable=False, unique=True),
    Column("address_ref", String(64), nullable=False),
    Column("address_sealed", LargeBinary, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    # Null until the person followed the verification link (or the demo seeded it).
    Column("verified_at", DateTime(timezone=True), nullable=True),
    # Set by the unsubscribe link; cleared by verifying the address again.
    Column("unsubscribed_at", DateTime(timezone=True), nullable=True),
    # The pending verification link's nonce: a link is good once, and only the latest.
    Column("verify_nonce", String(64), nullable=True),
    Column("verify_sent_at", DateTime(timezone=True), nullable=True),
)
