"""Cheap checks of what the gateway cannot work without (the store and the ledger), and what
it has observed of each agency, as plain data for gateway.health.

The reasons returned are public (load balancers and anyone may ask /readyz): they name the
component and what is wrong, never a path or a driver's message; those are logged.
"""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from aggregator.federation.fanout import Federation
from aggregator.ports import LedgerPort, StorePort
from aggregator.store.tables import store_version
from gateway.health import AgencyObservation

__all__ = ["agency_observations", "component_problems", "ledger_problem", "store_problem"]

log = logging.getLogger("caseline.health")


def agency_observations(federation: Federation) -> dict[str, AgencyObservation]:
    """Each agency's breaker state and failures since its last success."""
    return {agency: AgencyObservation(breaker.state, breaker.consecutive_failures)
            for agency, breaker in federation.breakers.items()}


def _file_gone(path: Path) -> bool:
    # SQLite keeps writing to a file removed (or renamed away) under its open connections:
    # nothing fails, and everything written from then on is lost at the next start.
    try:
        return not path.is_file()
    except OSError:  # e.g. its directory made unreadable: it could not be opened again
        return True


def store_problem(store: StorePort) -> str | None:
    """Why the store cannot be used, or None: its database file is gone, or a one-row
    query on it fails."""
    url = store.engine.url
    database = url.database
    if url.get_backend_name() == "sqlite" and database and database != ":memory:" \
            and _file_gone(Path(database)):
        log.warning("store unusable: its database file is gone", extra={"path": database})
        return "the store's database file is missing"
    try:
        with store.engine.connect() as conn:
            conn.execute(select(store_version.c.version).limit(1)).fetchall()
    except SQLAlchemyError as exc:
        log.warning("store unusable: a trivial query failed", extra={"error": str(exc)})
        return "the store does not answer queries"
    return None


def ledger_problem(ledger: LedgerPort) -> str | None:
    """Why the ledger cannot be used, or None: it refuses entries (closed, or a write or
    check failed), its file is gone, or a one-row query on it fails."""
    if not ledger.accepting:
        return "the ledger is not accepting entries"
    path = ledger.store.path  # None on PostgreSQL
    if path is not None and _file_gone(path):
        log.warning("ledger unusable: its file is gone", extra={"path": str(path)})
        return "the ledger file is missing"
    try:
        ledger.store.end()
    except (sqlite3.Error, SQLAlchemyError) as exc:
        log.warning("ledger unusable: a trivial query failed", extra={"error": str(exc)})
        return "the ledger does not answer queries"
    return None


def component_problems(store: StorePort, ledger: LedgerPort) -> dict[str, str | None]:
    """Each component's problem (None when usable); blocking I/O: run it off the event loop."""
    return {"store": store_problem(store), "ledger": ledger_problem(ledger)}
