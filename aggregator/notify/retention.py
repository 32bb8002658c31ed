"""How long notifications are kept: a notification and its deliveries are deleted
``keep_days`` after it was created, in small batches, unless one of its deliveries is still
being tried (PENDING: its retries end first). Dead letters stay until then, so an operator
can still see and replay them. Without this the outbox grows with every change forever."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, exists, select
from sqlalchemy.engine import Engine

from aggregator.notify.model import DeliveryState
from aggregator.notify.tables import deliveries, notifications
from aggregator.ports import Clock

__all__ = ["Pruner", "RetentionPolicy", "prune_once"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RetentionPolicy:
    """``keep_days`` after creation; ``every_s`` between prunes; ``batch`` notifications
    deleted per transaction (short write locks: deliveries go on meanwhile)."""

    keep_days: int = 365
    every_s: float = 3600.0
    batch: int = 500

    def __post_init__(self) -> None:
        if self.keep_days < 1 or self.batch < 1 or self.every_s <= 0:
            raise ValueError("retention: keep_days and batch must be at least 1, every_s "
                             "above 0")


def prune_once(engine: Engine, now: datetime, policy: RetentionPolicy) -> int:
    """Delete what is past the retention period, batch by batch; how many notifications."""
    cutoff = now - timedelta(days=policy.keep_days)
    pending = exists().where((deliveries.c.notification_id == notifications.c.id)
                             & (deliveries.c.state == DeliveryState.PENDING))
    removed = 0
    while True:
        with engine.begin() as conn:
            ids = list(conn.execute(select(notifications.c.id).where(
                (notifications.c.created_at < cutoff) & ~pending)
                .limit(policy.batch)).scalars())
            if not ids:
                return removed
            conn.execute(delete(deliveries).where(deliveries.c.notification_id.in_(ids)))
            conn.execute(delete(notifications).where(notifications.c.id.in_(ids)))
        removed += len(ids)


class Pruner:
    """Runs ``prune_once`` every ``policy.every_s`` until cancelled (in several processes
    at once is harmless: each deletes what is still there)."""

    def __init__(self, engine: Engine, clock: Clock, policy: RetentionPolicy) -> None:
        self._engine = engine
        self._clock = clock
        self.policy = policy

    async def run(self) -> None:
        """Prune now, then periodically; a failure is logged and tried again next time."""
        while True:
            try:
                removed = await asyncio.to_thread(prune_once, self._engine, self._clock(),
                                                  self.policy)
                if removed:
                    log.info("pruned %d notifications older than %d days", removed,
                             self.policy.keep_days)
            except Exception:  # the database failing must not end the loop
                log.exception("pruning notifications failed")
            await asyncio.sleep(self.policy.every_s)
