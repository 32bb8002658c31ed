"""The ledger in the aggregator's database on PostgreSQL, and the schedule of KEK
destructions after a shred.

Revision ID: r0002
Revises: r0001

On PostgreSQL the ledger's tables (entries, their consents, checkpoints and hash tiles) live
beside the store's, so every replica appends to one ledger; on SQLite the ledger keeps a file
of its own (it creates its tables there itself) and none are made here. The tables are frozen
as of this revision, like the baseline's; ``create_all`` checks for each first.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "r0002"
down_revision: str | None = "r0001"
branch_labels: str | None = None
depends_on: str | None = None

EVERYWHERE = sa.MetaData()
POSTGRES_ONLY = sa.MetaData()

sa.Table(
    "vault_kek_destructions", EVERYWHERE,
    sa.Column("kek_id", sa.String(length=64), nullable=False),
    sa.Column("scheduled_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("destroyed_at", sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint("kek_id"),
)

sa.Table(
    "entries", POSTGRES_ONLY,
    sa.Column("idx", sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column("leaf", sa.LargeBinary(), nullable=False),
    sa.Column("hash", sa.LargeBinary(), nullable=False),
    sa.Column("kind", sa.Text(), nullable=False),
    sa.Column("at", sa.Text(), nullable=False),
    sa.Column("subject", sa.Text(), nullable=True),
    sa.Column("actor", sa.Text(), nullable=True),
    sa.Column("agencies", sa.Text(), nullable=True),
    sa.Column("consent", sa.Text(), nullable=True),
    sa.Column("decision", sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint("idx"),
    sa.Index("entries_subject", "subject", "idx"),
    sa.Index("entries_actor", "actor", "idx"),
    sa.Index("entries_consent", "consent", "idx"),
)
sa.Table(
    "entry_consents", POSTGRES_ONLY,
    sa.Column("consent", sa.Text(), nullable=False),
    sa.Column("idx", sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint("consent", "idx"),
)
sa.Table(
    "checkpoints", POSTGRES_ONLY,
    sa.Column("size", sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column("note", sa.Text(), nullable=False),
    sa.Column("signed_at", sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint("size"),
)
sa.Table(
    "ledger_tiles", POSTGRES_ONLY,
    sa.Column("level", sa.Integer(), nullable=False),
    sa.Column("idx", sa.BigInteger(), nullable=False),
    sa.Column("hashes", sa.LargeBinary(), nullable=False),
    sa.PrimaryKeyConstraint("level", "idx"),
)


def _on_postgres() -> bool:
    return bool(op.get_bind().dialect.name == "postgresql")


def upgrade() -> None:
    """Create the destruction schedule, and on PostgreSQL the ledger's tables."""
    EVERYWHERE.create_all(op.get_bind())
    if _on_postgres():
        POSTGRES_ONLY.create_all(op.get_bind())


def downgrade() -> None:
    """Drop what this revision created."""
    if _on_postgres():
        POSTGRES_ONLY.drop_all(op.get_bind())
    EVERYWHERE.drop_all(op.get_bind())
