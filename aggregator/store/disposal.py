"""Closing an engine's connections once the threads still using them are done.

A stopped asyncio task leaves its ``asyncio.to_thread`` query running: cancelling the await
does not stop the thread. ``Engine.dispose`` closes only the connections checked in, and a
connection checked in later goes back to the discarded pool and is dropped unclosed (on
PostgreSQL the server keeps that session until the process ends; Python warns). Waiting a
moment for such queries first closes them all.
"""

from __future__ import annotations

import time

from sqlalchemy.engine import Engine

__all__ = ["WAIT_S", "dispose_when_idle"]

WAIT_S = 5.0  # a query in flight at shutdown ends well within this


def dispose_when_idle(engine: Engine, wait_s: float = WAIT_S) -> None:
    """Wait (at most ``wait_s``) until no connection of ``engine``'s pool is in use, then
    dispose of the pool, closing every connection."""
    in_use = getattr(engine.pool, "checkedout", None)  # pools that count (QueuePool)
    deadline = time.monotonic() + wait_s
    while in_use is not None and in_use() > 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    engine.dispose()
