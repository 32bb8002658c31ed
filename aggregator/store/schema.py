"""Tables (SQLAlchemy Core), portable across SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import (
    Column,
    DateTime,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
)

metadata = MetaData()

subjects = Table(
    "subjects", metadata,
    Column("id", String(64), primary_key=True),
    Column("language", String(8), nullable=False, default="en"),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

links = Table(
    "links", metadata,
    Column("subject_id", String(64), nullable=False),
    Column("agency_id", String(32), nullable=False),
    Column("case_number", String(64), nullable=False),
    Column("linked_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("subject_id", "agency_id", "case_number"),
)

# Consent versions: rows are only ever inserted; a change is a new version of the same id.
consents = Table(
    "consents", metadata,
    Column("id", String(40), nullable=False),
    Column("version", Integer, nullable=False),
    Column("subject_id", String(64), nullable=False, index=True),
    Column("grantee_id", String(64), nullable=False, index=True),
    Column("agencies", Text, nullable=False),
    Column("scopes", Text, nullable=False),
    Column("purpose_code", String(40), nullable=False),
    Column("purpose_text", Text, nullable=False),
    Column("valid_from", DateTime(timezone=True), nullable=False),
    Column("valid_until", DateTime(timezone=True), nullable=False),
    Column("state", String(16), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("signature", Text, nullable=False),
    PrimaryKeyConstraint("id", "version"),
)
