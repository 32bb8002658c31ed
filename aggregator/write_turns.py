"""Write turns on SQLite: one writer at a time per database file in this process.

SQLite lets one connection write at a time; a second waits in SQLite's busy handler, which
sleeps (1, 2, 5 ... up to 100 ms) between tries instead of being woken when the lock is
free. Under load (a matcher, delivery rounds, sealing, webhook logs) those sleeps become
most of a write's time. Writers of one process therefore queue on a lock of their own
first and take the database's lock in turn, at once; writers in other processes still meet
at SQLite's lock. Other engines lock rows and need no turns.
"""

from __future__ import annotations

import contextlib
import threading

from sqlalchemy.engine import Engine

__all__ = ["write_turn"]

_TURNS: dict[str, threading.RLock] = {}
_TURNS_GUARD = threading.Lock()


def _turns_of(engine: Engine) -> threading.RLock | None:
    """The lock of the engine's database (None for engines other than SQLite)."""
    if engine.dialect.name != "sqlite":
        return None
    with _TURNS_GUARD:
        # Reentrant: a writer that seals inside its own turn (the same thread) goes on.
        return _TURNS.setdefault(str(engine.url), threading.RLock())


def write_turn(engine: Engine) -> contextlib.AbstractContextManager[object]:
    """This process's write turn on the engine's database, to hold around the write
    transaction (nothing to hold on engines other than SQLite)."""
    return _turns_of(engine) or contextlib.nullcontext()
