"""Tables (SQLAlchemy Core), portable across SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import Column, DateTime, MetaData, PrimaryKeyConstraint, String, Table

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
