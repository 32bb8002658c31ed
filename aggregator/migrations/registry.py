"""Every table of the aggregator's database, in one list: what migrations compare against.

A module that adds tables to the aggregator's database adds its ``MetaData`` here (one line),
then a revision creating them (aggregator/migrations/versions/).
"""

from __future__ import annotations

from sqlalchemy import MetaData

from aggregator.notify import positions as notify_positions
from aggregator.notify import tables as notify_tables
from aggregator.notify.email import tables as email_tables
from aggregator.notify.webhooks import tables as webhook_tables
from aggregator.store import tables as store_tables
from aggregator.vault import tables as vault_tables

__all__ = ["SCHEMAS", "table_names"]

SCHEMAS: tuple[MetaData, ...] = (
    store_tables.metadata,
    vault_tables.metadata,
    notify_tables.metadata,
    notify_positions.metadata,
    email_tables.metadata,
    webhook_tables.metadata,
)


def table_names() -> frozenset[str]:
    """The names of every table the registry holds."""
    return frozenset(name for schema in SCHEMAS for name in schema.tables)
