"""`caseline migrate`: one JSON line with the revision before and after, a database from
before migrations stamped, and refusals saying what to give."""

from __future__ import annotations

import json
import os
from pathlib import Path

import sqlalchemy as sa
from click.testing import CliRunner, Result

from aggregator.migrations import head_revision
from deploy.cli import main
from support.databases import fresh_database_url


def _migrate(*args: str) -> Result:
    umask = os.umask(0o077)  # the CLI's group sets the caller's umask; keep the suite's
    try:
        return CliRunner().invoke(main, ["migrate", *args])
    finally:
        os.umask(umask)


def test_an_empty_postgres_schema_is_migrated_to_head(tmp_path: Path) -> None:
    with fresh_database_url("postgresql", tmp_path) as url:
        result = _migrate("--database-url", url)
        assert result.exit_code == 0, result.output
        line = json.loads(result.output.splitlines()[-1])
        assert (line["before"], line["after"], line["head"]) == (
            None, [head_revision()], head_revision())
        again = json.loads(_migrate("--database-url", url).output.splitlines()[-1])
        assert again["before"] == again["after"] == [head_revision()]


def test_a_state_directory_from_before_migrations_is_upgraded_and_stamped(
        tmp_path: Path) -> None:
    database = tmp_path / "aggregator.sqlite3"
    engine = sa.create_engine(f"sqlite:///{database}")
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE store_version (id INTEGER NOT NULL PRIMARY KEY, "
                             "version INTEGER NOT NULL)"))
        conn.execute(sa.text("INSERT INTO store_version VALUES (1, 41)"))
    result = _migrate("--state-dir", str(tmp_path))
    assert result.exit_code == 0, result.output
    line = json.loads(result.output.splitlines()[-1])
    assert line["from_before_migrations"] is True and line["after"] == [head_revision()]
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT version FROM store_version")).scalar() == 41
    engine.dispose()


def test_one_of_the_two_places_is_required() -> None:
    assert _migrate().exit_code == 2
    assert _migrate("--database-url", "sqlite://", "--state-dir", "/x").exit_code == 2


def test_a_state_directory_without_a_database_is_refused(tmp_path: Path) -> None:
    result = _migrate("--state-dir", str(tmp_path))
    assert result.exit_code == 1 and "no aggregator database" in result.output
    assert not (tmp_path / "aggregator.sqlite3").exists()


def test_an_unreachable_database_is_refused_without_its_password() -> None:
    result = _migrate("--database-url",
                      "postgresql+psycopg://app:hunter2@127.0.0.1:1/caseline")
    assert result.exit_code == 1 and "cannot migrate" in result.output
    assert "hunter2" not in result.output
