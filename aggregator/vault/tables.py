"""The vault's tables (SQLAlchemy Core), beside the store's in the aggregator's database."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
)

__all__ = ["kek_destructions", "metadata", "shredded_subjects", "subject_keys"]

metadata = MetaData()

# One row per key version of a subject: the data key wrapped under a KEK, and how many values
# it has sealed (AES-GCM random nonces allow a key only so many).
subject_keys = Table(
    "vault_subject_keys", metadata,
    Column("subject_id", String(64), nullable=False),
    Column("version", Integer, nullable=False),
    Column("kek_id", String(64), nullable=False, index=True),
    Column("wrapped", LargeBinary, nullable=False),
    Column("encryptions", BigInteger, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("subject_id", "version"),
)

# Tombstones: a subject whose keys were shredded can never get a key again.
shredded_subjects = Table(
    "vault_shredded_subjects", metadata,
    Column("subject_id", String(64), primary_key=True),
    Column("shredded_at", DateTime(timezone=True), nullable=False),
)

# Key-encryption keys to destroy after a shred (every KEK that may have wrapped the subject's
# keys, in this database or in any copy of it), once due and no longer wrapping any key here.
kek_destructions = Table(
    "vault_kek_destructions", metadata,
    Column("kek_id", String(64), primary_key=True),
    Column("scheduled_at", DateTime(timezone=True), nullable=False),
    Column("due_at", DateTime(timezone=True), nullable=False),
    Column("destroyed_at", DateTime(timezone=True), nullable=True),
)
