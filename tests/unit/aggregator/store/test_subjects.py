"""The store's caches on SQLite: a write by another Store over the same file (another
process) is seen at once; a commit to another table of that file (the notification
outbox, the vault) keeps what is cached."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from aggregator.consent.vocabulary import Role
from aggregator.store import Store, make_engine
from support.sealing import MemorySealer


def _stores(tmp_path: Path) -> tuple[Store, Store]:
    url = f"sqlite:///{tmp_path / 'aggregator.sqlite3'}"
    key, sealer = os.urandom(32), MemorySealer()
    return Store(make_engine(url), sealer, key), Store(make_engine(url), sealer, key)


def test_another_stores_write_is_seen_and_other_tables_keep_the_cache(
        tmp_path: Path) -> None:
    """Ana's links cached by one store; another table written: still cached. Another
    store links a second case: the first sees both."""
    mine, theirs = _stores(tmp_path)
    try:
        mine.ensure_account("ana", Role.APPLICANT)
        mine.add_link("ana", "immigration", "IOE0990000001")
        assert [link.case_number for link in mine.links_for("ana")] == ["IOE0990000001"]
        with sqlite3.connect(tmp_path / "aggregator.sqlite3") as other:
            other.execute("CREATE TABLE IF NOT EXISTS elsewhere (x INTEGER)")
            other.execute("INSERT INTO elsewhere VALUES (1)")
        mine._check_version()  # what every read does first: only another table changed
        assert "ana" in mine._links_cache
        theirs.add_link("ana", "labor", "A-12345-67890")
        assert sorted(link.case_number for link in mine.links_for("ana")) == [
            "A-12345-67890", "IOE0990000001"]
    finally:
        mine.close()
        theirs.close()
