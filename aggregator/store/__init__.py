"""Aggregator storage behind one interface (SQLite by default; PostgreSQL by URL)."""

from aggregator.store.store import Store

__all__ = ["Store"]
