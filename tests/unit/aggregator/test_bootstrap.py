"""Where bootstrap's ledger lives: its own SQLite file in the state directory, or, with a
PostgreSQL database URL, tables in the store's database (one ledger for every replica)."""

from __future__ import annotations

import shutil
from pathlib import Path

from sqlalchemy import inspect

from aggregator.bootstrap import open_ledger, open_state
from aggregator.ledger.entries import Entry, EntryKind
from aggregator.state import StatePaths


def test_the_ledger_follows_the_database_url(tmp_path: Path, ledger_url: str) -> None:
    """SQLite URL (the store's file): the ledger stays in its own file. PostgreSQL: its
    tables sit beside the store's, and another replica's state directory on the same
    database sees the same ledger."""
    paths = StatePaths(tmp_path / "state")
    store, vault = open_state(paths, ledger_url)
    ledger = open_ledger(paths, vault.keyring, database_url=ledger_url)
    try:
        ledger.append_sync(Entry(EntryKind.KEY, {"event": "ROTATED"}))
        if ledger_url.startswith("sqlite"):
            assert ledger.store.path == paths.ledger and paths.ledger.is_file()
            return
        assert ledger.store.path is None and not paths.ledger.exists()
        assert {"entries", "checkpoints", "ledger_tiles", "subjects"} <= set(
            inspect(store.engine).get_table_names())
    finally:
        ledger.close()
        store.close()
    # A replica's own state directory, holding the installation's keyring and id (shared
    # between replicas, like a deployment's secret): no ledger file, the same ledger.
    other = StatePaths(shutil.copytree(paths.root, tmp_path / "replica"))
    store, vault = open_state(other, ledger_url)
    again = open_ledger(other, vault.keyring, database_url=ledger_url)
    try:
        assert again.size == 1
    finally:
        again.close()
        store.close()
