"""The two engines the notification delivery tests run on (issue 17): "embedded" (SQLite
in the state directory, change events over the database, no NATS) and "nats-postgres" (the
scale-out engine: change events on a JetStream stream of the test's own, the store, outbox
and ledger in a throwaway PostgreSQL schema). A fixture parametrized with ``ENGINES`` enters
``notify_engine`` and passes its URLs to ``bootstrap`` and to the `caseline notify`
commands."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from aggregator.notify.wire import JetStreamSettings
from support.databases import fresh_database_url
from support.nats_bus import unique_stream

__all__ = ["ENGINES", "NotifyEngine", "notify_engine"]

ENGINES = ("embedded", "nats-postgres")


@dataclass(frozen=True)
class NotifyEngine:
    """Where a test's notifications live; both None: the embedded default."""

    name: str
    database_url: str | None
    nats: JetStreamSettings | None

    @property
    def cli_options(self) -> tuple[str, ...]:
        """The engine options `caseline notify deliver|dead-letters|replay` take for it."""
        return () if self.database_url is None else ("--database-url", self.database_url)


@asynccontextmanager
async def notify_engine(name: str, tmp_path: Path) -> AsyncIterator[NotifyEngine]:
    """The engine ``name`` (one of ENGINES); the stream and schema are removed afterwards,
    so whatever uses them must be closed before this exits."""
    if name == "embedded":
        yield NotifyEngine(name, None, None)
        return
    if name != "nats-postgres":
        raise ValueError(f"unknown notification engine {name!r}: expected one of {ENGINES}")
    async with unique_stream() as nats:
        with fresh_database_url("postgresql", tmp_path) as url:
            yield NotifyEngine(name, url, nats)
