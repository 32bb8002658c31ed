"""Migrations on both engines: from empty to this release's tables exactly, behind refused on
PostgreSQL, ahead used as it is."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from aggregator.migrations import SchemaBehind, ensure_schema, head_revision, schema_status
from aggregator.migrations import upgrade as migrate
from aggregator.migrations.registry import schemas_for, table_names
from aggregator.store import make_engine
from support.databases import fresh_database_url

ENGINES = ["sqlite", "postgresql"]


@pytest.fixture(params=ENGINES)
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sa.Engine]:
    with fresh_database_url(request.param, tmp_path) as url:
        created = make_engine(url)
        yield created
        created.dispose()


def _differences(engine: sa.Engine) -> list[object]:
    """What Alembic's autogenerate finds between the database and the registry's tables."""
    combined = sa.MetaData()
    for schema in schemas_for(engine.dialect.name):
        for table in schema.tables.values():
            table.to_metadata(combined)
    with engine.connect() as conn:
        return list(compare_metadata(MigrationContext.configure(conn), combined))


def test_an_empty_database_upgrades_to_exactly_the_registry_tables(engine: sa.Engine) -> None:
    """From nothing, `caseline migrate` creates every table as the code declares it."""
    before, after = migrate(engine)
    assert before.empty and before.behind
    assert after.at_head and after.current == (head_revision(),)
    assert _differences(engine) == []
    assert table_names() <= set(sa.inspect(engine).get_table_names())


def test_upgrading_again_changes_nothing(engine: sa.Engine) -> None:
    migrate(engine)
    before, after = migrate(engine)
    assert before.at_head and after.at_head


def test_the_search_path_of_the_url_holds(tmp_path: Path) -> None:
    """On PostgreSQL the tables land in the schema the URL's search_path names, nowhere
    else (tests and installations may share a database)."""
    with fresh_database_url("postgresql", tmp_path) as url:
        schema = url.rsplit("%3D", 1)[1]
        engine = make_engine(url)
        migrate(engine)
        with engine.connect() as conn:
            ours = set(conn.execute(sa.text(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = :s"),
                {"s": schema}).scalars())
            public = set(conn.execute(sa.text(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = 'public'")).scalars())
        engine.dispose()
    assert {"alembic_version", "links"} <= ours
    assert not {"alembic_version", "links"} & public


def _stamp(engine: sa.Engine, revision: str) -> None:
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = :r"), {"r": revision})


def test_postgres_behind_is_refused_with_the_command_to_run(tmp_path: Path) -> None:
    """Replicas never migrate a shared PostgreSQL schema under each other: one behind is
    refused, naming `caseline migrate`; once migrated it opens."""
    with fresh_database_url("postgresql", tmp_path) as url:
        engine = make_engine(url)
        with engine.begin() as conn:  # a store from before migrations
            conn.execute(sa.text("CREATE TABLE store_version (id INTEGER NOT NULL PRIMARY KEY, "
                                 "version INTEGER NOT NULL)"))
        assert schema_status(engine).legacy
        with pytest.raises(SchemaBehind, match="caseline migrate"):
            ensure_schema(engine)
        migrate(engine)
        again = make_engine(url)  # a fresh engine checks again: now at head
        ensure_schema(again)
        again.dispose()
        assert _differences(engine) == []
        engine.dispose()


def test_sqlite_behind_is_upgraded_when_opened(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE store_version (id INTEGER NOT NULL PRIMARY KEY, "
                             "version INTEGER NOT NULL)"))
    ensure_schema(engine)
    assert schema_status(engine).at_head
    assert _differences(engine) == []


def test_a_database_ahead_of_this_release_is_used_as_it_is(engine: sa.Engine) -> None:
    """A newer release migrated it (additively): this one keeps working and never tries to
    migrate it back or forward."""
    migrate(engine)
    _stamp(engine, "r9999_from_a_newer_release")
    status = schema_status(engine)
    assert status.ahead and not status.behind
    again = make_engine(engine.url.render_as_string(hide_password=False))
    ensure_schema(again)
    again.dispose()
    before, after = migrate(engine)
    assert before == after == status
