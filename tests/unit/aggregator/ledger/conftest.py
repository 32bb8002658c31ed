"""The ledger's unit tests that touch storage run on SQLite and on PostgreSQL."""

from support.ledger_engines import ledger_url

__all__ = ["ledger_url"]
