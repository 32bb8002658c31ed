"""The store's change counter (``bump_version``): every process's caches follow it, so a
change must count even when replicas make the first changes to a new database at once."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from aggregator.store.migrations import bump_version
from aggregator.store.tables import store_version
from support.databases import fresh_database_url


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sa.Engine]:
    with fresh_database_url(request.param, tmp_path) as url:
        created = sa.create_engine(url)
        store_version.metadata.create_all(created, tables=[store_version])
        yield created
        created.dispose()


def _version(engine: sa.Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.select(store_version.c.version)).scalar_one())


def test_each_change_counts_from_the_first(engine: sa.Engine) -> None:
    for _ in range(3):
        with engine.begin() as conn:
            bump_version(conn)
    assert _version(engine) == 3


def test_two_first_changes_at_once_both_count(tmp_path: Path) -> None:
    """PostgreSQL: a first change still uncommitted while another process makes its own
    (which waits on it): both count, neither fails on the counter's key."""
    with fresh_database_url("postgresql", tmp_path) as url:
        engine = sa.create_engine(url)
        store_version.metadata.create_all(engine, tables=[store_version])
        failures: list[BaseException] = []

        def second() -> None:
            try:
                with engine.begin() as conn:
                    bump_version(conn)
            except BaseException as exc:
                failures.append(exc)

        with engine.begin() as first:
            bump_version(first)
            other = threading.Thread(target=second)
            other.start()
            other.join(timeout=1)  # it waits on the first's uncommitted row
        other.join(timeout=30)
        version = _version(engine)
        engine.dispose()
    assert not failures, failures
    assert version == 2
