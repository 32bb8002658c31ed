"""`--engine`, `--database-url`, `--redis-url` and `--nats-url`, shared by `caseline demo`
and `caseline gateway serve`: which engines hold the aggregator's shared state.

``--engine embedded`` (the default) keeps everything on this machine: SQLite in the state
directory, limits in each process's memory, change events over the database. ``--engine
postgres`` defaults the three URLs to the local services (PostgreSQL, Redis, NATS JetStream)
so that several gateway processes or machines share one state. A URL given explicitly wins
under either engine.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import click
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

__all__ = ["ENGINES", "LOCAL_SERVICES", "Engines", "database_errors", "engine_options",
           "resolve_engines", "without_password"]

ENGINES = ("embedded", "postgres")
# The local services `--engine postgres` uses unless told otherwise.
LOCAL_SERVICES = {
    "database_url": "postgresql+psycopg://postgres@127.0.0.1:5432/test",
    "redis_url": "redis://127.0.0.1:6379/0",
    "nats_url": "nats://127.0.0.1:4222",
}
_DATABASES = ("sqlite", "postgresql")
_REDIS_SCHEMES = ("redis", "rediss", "unix")

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Engines:
    """Where the aggregator's shared state lives; None: the embedded default of each."""

    engine: str = "embedded"
    database_url: str | None = None  # None: SQLite in the state directory
    redis_url: str | None = None  # None: rate limits in each process's memory
    nats_url: str | None = None  # None: change events over the database, in one process

    def described(self) -> dict[str, str | None]:
        """The engine and URLs without passwords: for run files, banners and logs."""
        return {"engine": self.engine,
                "database_url": None if self.database_url is None
                else without_password(self.database_url),
                "redis_url": None if self.redis_url is None
                else without_password(self.redis_url),
                "nats_url": None if self.nats_url is None else without_password(self.nats_url)}


def without_password(url: str) -> str:
    """``url`` with any password left out (PostgreSQL's client then reads it from
    PGPASSWORD or ~/.pgpass): what may be shown or written to a run file."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        parsed = None
    if parsed is not None and "://" in url and parsed.drivername.split("+")[0] in _DATABASES:
        return URL.create(parsed.drivername, parsed.username, None, parsed.host, parsed.port,
                          parsed.database, parsed.query).render_as_string(hide_password=False)
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user = f"{parts.username}@" if parts.username else ""
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return urlunsplit((parts.scheme, f"{user}{host}{port}", parts.path, parts.query,
                       parts.fragment))


def engine_options(command: F) -> F:
    """Add --engine, --database-url, --redis-url and --nats-url to ``command``."""
    for option in reversed((
        click.option("--engine", type=click.Choice(ENGINES), default="embedded",
                     show_default=True,
                     help="embedded: SQLite in the state directory, limits in memory, one "
                          "process's change events; postgres: PostgreSQL, Redis and NATS "
                          "JetStream, by default the local ones (the URLs below override)."),
        click.option("--database-url", default=None, metavar="URL",
                     help="The aggregator's database, an SQLAlchemy URL (default: SQLite in "
                          "the state directory; with --engine postgres "
                          f"{LOCAL_SERVICES['database_url']}). A password is best left to "
                          "PGPASSWORD or ~/.pgpass."),
        click.option("--redis-url", default=None, metavar="URL",
                     help="Count the lookup rate limit and the access-code throttle in "
                          "Redis at URL, shared by every gateway replica: the limits are "
                          "then global, not divided among processes. If Redis fails, lookups "
                          "fall back to each process's own limit and linking cases pauses. "
                          "Default: none, each process counts in its own memory; with "
                          f"--engine postgres {LOCAL_SERVICES['redis_url']}."),
        click.option("--nats-url", default=None, metavar="URL",
                     help="Carry notification change events on NATS JetStream at URL "
                          "(stream CASELINE_CHANGES): watchers publish, a matcher (`caseline "
                          "notify match`, or the gateway's main process) writes the outbox. "
                          "Default: none, everything in one process over the database; with "
                          f"--engine postgres {LOCAL_SERVICES['nats_url']}."),
    )):
        command = option(command)
    return command


def resolve_engines(engine: str, database_url: str | None, redis_url: str | None,
                    nats_url: str | None) -> Engines:
    """The engines the options name, with --engine's defaults filled in; a BadParameter
    naming the option whose URL cannot work."""
    if engine == "postgres":
        database_url = database_url or LOCAL_SERVICES["database_url"]
        redis_url = redis_url or LOCAL_SERVICES["redis_url"]
        nats_url = nats_url or LOCAL_SERVICES["nats_url"]
    if database_url is not None:
        _check_database(database_url)
    if redis_url is not None and urlsplit(redis_url).scheme not in _REDIS_SCHEMES:
        raise click.BadParameter(f"{without_password(redis_url)!r} is not a Redis URL: "
                                 "expected e.g. redis://127.0.0.1:6379/0",
                                 param_hint="--redis-url")
    return Engines(engine, database_url, redis_url, nats_url)


@contextmanager
def database_errors(engines: Engines) -> Iterator[None]:
    """A ClickException for a database that cannot be used: its server down or refusing
    (named without its password), or its schema behind (saying to run `caseline migrate`)."""
    from sqlalchemy.exc import OperationalError

    from aggregator.migrations import SchemaBehind

    try:
        yield
    except SchemaBehind as exc:
        raise click.ClickException(str(exc)) from exc
    except OperationalError as exc:
        shown = engines.described()["database_url"] or "in the state directory"
        raise click.ClickException(f"cannot use the database {shown}: {exc.orig}") from exc


def _check_database(url: str) -> None:
    try:
        backend = make_url(url).get_backend_name()
    except ArgumentError as exc:
        raise click.BadParameter(f"not an SQLAlchemy URL ({exc}): expected e.g. "
                                 f"{LOCAL_SERVICES['database_url']}",
                                 param_hint="--database-url") from exc
    if backend not in _DATABASES:
        raise click.BadParameter(f"the aggregator's database is SQLite or PostgreSQL, not "
                                 f"{backend}", param_hint="--database-url")
