"""Every table of the aggregator's database, in one list: what migrations compare against.

A module that adds tables to the aggregator's database adds its ``MetaData`` here (one line),
then a revision creating them (aggregator/migrations/versions/). The ledger's tables are in
that database on PostgreSQL only (on SQLite the ledger is a file of its own).
"""

from __future__ import annotations

from sqlalchemy import MetaData

from aggregator.ledger import tables as ledger_tables
from aggregator.notify import positions as notify_positions
from aggregator.notify import tables as notify_tables
from aggregator.notify.email import tables as email_tables
from aggregator.notify.webhooks import tables as webhook_tables
from aggregator.store import tables as store_tables
from aggregator.vault import tables as vault_tables

__all__ = ["POSTGRES_ONLY", "SCHEMAS", "schemas_for", "table_names"]

SCHEMAS: tuple[MetaData, ...] = (
    store_tables.metadata,
    vault_tables.metadata,
    notify_tables.metadata,
    notify_positions.metadata,
    email_tables.metadata,
    webhook_tables.metadata,
)

# In the aggregator's database only on PostgreSQL, where every replica shares the ledger.
POSTGRES_ONLY: tuple[MetaData, ...] = (ledger_tables.metadata,)


def schemas_for(dialect: str) -> tuple[MetaData, ...]:
    """The tables a database of ``dialect`` ("sqlite", "postgresql") holds at head."""
    return SCHEMAS + (POSTGRES_ONLY if dialect == "postgresql" else ())


def table_names() -> frozenset[str]:
    """The names of every table the registry holds."""
    return frozenset(name for schema in SCHEMAS for name in schema.tables)
