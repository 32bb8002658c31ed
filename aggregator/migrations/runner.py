"""Running the aggregator's migrations (Alembic, configured here: no alembic.ini), and the
check every part of the aggregator makes when it opens the database.

On SQLite (one machine, the embedded engine) a database that is behind is upgraded when
opened. On PostgreSQL only an empty database is (nothing runs on it yet); one that is behind
is refused with :class:`SchemaBehind` until an operator runs `caseline migrate`: several
replicas must not migrate under each other. A database ahead of this release (a newer one
migrated it) is used as it is: revisions are additive, so the previous release keeps working
on the next one's schema during a rolling upgrade.
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import func, inspect, select
from sqlalchemy.engine import Engine

from aggregator.files import exclusive_lock

__all__ = ["SchemaBehind", "SchemaStatus", "ensure_schema", "head_revision", "schema_status",
           "upgrade"]

log = logging.getLogger("caseline.aggregator.migrations")

_HERE = Path(__file__).parent
# pg_advisory_xact_lock's key: one migration at a time per database ("casl").
_LOCK_KEY = 0x6361736C
_checked: weakref.WeakSet[Engine] = weakref.WeakSet()


class SchemaBehind(Exception):
    """The database's schema is older than this release needs, and it is not ours to
    migrate here (PostgreSQL, shared by replicas); the message says what to run."""


@dataclass(frozen=True)
class SchemaStatus:
    """Where a database stands: its revision(s), this release's head, and whether it has
    no aggregator tables yet (``empty``) or tables from before migrations (``legacy``)."""

    current: tuple[str, ...]
    head: str
    empty: bool = False
    legacy: bool = False

    @property
    def at_head(self) -> bool:
        """Whether the database is at this release's schema."""
        return self.current == (self.head,)

    @property
    def ahead(self) -> bool:
        """Whether a newer release migrated it (a revision this one does not know)."""
        return any(r not in known_revisions() for r in self.current)

    @property
    def behind(self) -> bool:
        """Whether migrations this release has are still to run on it."""
        return not self.at_head and not self.ahead


def alembic_config() -> Config:
    """Alembic's configuration for the aggregator's revisions (no file needed)."""
    config = Config()
    config.set_main_option("script_location", str(_HERE))
    return config


@lru_cache(maxsize=1)
def _scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config())


def head_revision() -> str:
    """This release's newest revision."""
    head = _scripts().get_current_head()
    assert head is not None, "the aggregator's migrations have one head"
    return head


@lru_cache(maxsize=1)
def known_revisions() -> frozenset[str]:
    """Every revision this release has."""
    return frozenset(script.revision for script in _scripts().walk_revisions())


def schema_status(engine: Engine) -> SchemaStatus:
    """Where ``engine``'s database stands."""
    from aggregator.migrations.legacy import is_legacy
    from aggregator.migrations.registry import table_names

    with engine.connect() as conn:
        current = tuple(sorted(MigrationContext.configure(conn).get_current_heads()))
        if current:
            return SchemaStatus(current, head_revision())
        legacy = is_legacy(conn)
        empty = not legacy and not set(inspect(conn).get_table_names()) & table_names()
    return SchemaStatus((), head_revision(), empty=empty, legacy=legacy)


@contextmanager
def _sqlite_turn(engine: Engine) -> Iterator[None]:
    """One process migrates a SQLite file at a time (its DDL is not transactional): an
    exclusive lock on a file beside it, released however the process ends."""
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        yield
        return
    with exclusive_lock(f"{database}.migrating"):
        yield


def upgrade(engine: Engine) -> tuple[SchemaStatus, SchemaStatus]:
    """Run every migration ``engine``'s database lacks (a database from before migrations is
    first upgraded by hand and stamped at the baseline); returns where it stood before and
    after. Safe to run from several processes at once: they take turns."""
    from aggregator.migrations.legacy import BASELINE_REVISION, upgrade_legacy

    with _sqlite_turn(engine):
        before = schema_status(engine)
        if before.ahead:
            return before, before
        config = alembic_config()
        if before.legacy:
            upgrade_legacy(engine)
            with engine.begin() as conn:
                config.attributes["connection"] = conn
                command.stamp(config, BASELINE_REVISION)
        with engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                # Held to the end of the transaction, which on PostgreSQL also holds the DDL:
                # a second migrator waits, then finds nothing to do.
                conn.execute(select(func.pg_advisory_xact_lock(_LOCK_KEY)))
            config.attributes["connection"] = conn
            command.upgrade(config, "head")
    after = schema_status(engine)
    _checked.add(engine)
    return before, after


def ensure_schema(engine: Engine) -> None:
    """Make sure ``engine``'s database has this release's schema before it is used (checked
    once per engine): upgraded on SQLite or when empty, used as is when ahead, else
    :class:`SchemaBehind` naming the command to run."""
    if engine in _checked:
        return
    status = schema_status(engine)
    if status.behind and (engine.dialect.name == "sqlite" or status.empty):
        upgrade(engine)
    elif status.behind:
        where = engine.url.render_as_string(hide_password=True)
        at = ", ".join(status.current) or "from before migrations"
        raise SchemaBehind(
            f"the database {where} has schema revision {at}, this release needs "
            f"{status.head}: run `caseline migrate --database-url URL` once (from one "
            "place) before starting this release")
    elif status.ahead:
        log.info("database schema %s is newer than this release's %s; using it (revisions "
                 "are additive)", ", ".join(status.current), status.head)
    _checked.add(engine)
