"""The aggregator store behaves the same on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from aggregator.store import Store

pytestmark = pytest.mark.integration

POSTGRES_URL = os.environ.get("CASELINE_TEST_POSTGRES",
                              "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """A fresh store on each engine (PostgreSQL in a throwaway schema)."""
    if request.param == "sqlite":
        instance = Store(f"sqlite:///{tmp_path / 'agg.sqlite3'}")
        yield instance
        instance.close()
        return
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    url = f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    instance = Store(url)
    try:
        yield instance
    finally:
        instance.close()
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def test_links_round_trip_in_link_order(store: Store) -> None:
    """Links come back for their subject only, oldest first, with aware timestamps."""
    store.ensure_subject("ana", "es")
    assert store.add_link("ana", "immigration", "IOE0912345678")
    assert store.add_link("ana", "courts", "A201555123")
    assert store.add_link("raj", "labor", "G-100-24218-604417")
    links = store.links_for("ana")
    assert [(link.agency_id, link.case_number) for link in links] == [
        ("immigration", "IOE0912345678"), ("courts", "A201555123")]
    assert all(link.linked_at.tzinfo is not None for link in links)


def test_linking_twice_is_harmless_and_unlinking_is_seen_at_once(store: Store) -> None:
    """A repeated link reports False; an unlink is visible on the next read (cache dropped)."""
    assert store.add_link("ana", "courts", "A201555123")
    assert not store.add_link("ana", "courts", "A201555123")
    assert len(store.links_for("ana")) == 1
    assert store.remove_link("ana", "courts", "A201555123")
    assert store.links_for("ana") == ()
    assert not store.remove_link("ana", "courts", "A201555123")


def test_data_survives_reopening(store: Store) -> None:
    """A new Store on the same database sees what the first one wrote."""
    store.add_link("raj", "labor", "G-100-24218-604417")
    reopened = Store(store.url)
    try:
        assert [link.case_number for link in reopened.links_for("raj")] == [
            "G-100-24218-604417"]
    finally:
        reopened.close()
