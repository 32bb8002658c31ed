"""Aggregator storage behind one interface (SQLite by default; PostgreSQL by URL)."""

from aggregator.store.subjects import ERASED, Holder, Store, SubjectSealer, make_engine

__all__ = ["ERASED", "Holder", "Store", "SubjectSealer", "make_engine"]
