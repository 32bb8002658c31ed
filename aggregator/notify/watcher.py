"""One watcher per agency: reads the adapter's change stream from the durable cursor and
hands each change to the matcher; after an outage it reconnects with exponential backoff and
jitter and resumes from the stored cursor, so nothing is lost."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import grpc

from aggregator.notify.backoff import backoff_delay
from aggregator.notify.changes import BadChange, change_from_proto
from aggregator.notify.matcher import Matcher
from aggregator.notify.model import StatusChange
from aggregator.notify.outbox import Outbox
from aggregator.ports import Clock
from caseline.v1 import agency_adapter_pb2 as pb

__all__ = ["ChangeSource", "WatchPolicy", "Watcher"]

log = logging.getLogger(__name__)


@runtime_checkable
class ChangeSource(Protocol):
    """An agency's change stream (aggregator.federation.client.AdapterClient has one)."""

    def watch_changes(self, cursor: str) -> AsyncIterator[pb.WatchChangesResponse]:
        """Changes after ``cursor`` ("": new ones only), then as they happen."""
        ...


@dataclass(frozen=True, slots=True)
class WatchPolicy:
    """Reconnection waits double from ``base_backoff_s`` up to ``max_backoff_s``."""

    base_backoff_s: float = 0.5
    max_backoff_s: float = 30.0


class Watcher:
    """Consumes one agency's stream until cancelled."""

    def __init__(self, agency_id: str, source: ChangeSource, outbox: Outbox,
                 matcher: Matcher, clock: Clock, policy: WatchPolicy | None = None, *,
                 publish: Callable[[StatusChange], Awaitable[None]] | None = None) -> None:
        self.agency_id = agency_id
        # JetStream (aggregator.notify.jetstream): each change is published, and the cursor
        # stored once the stream acknowledged it; a matcher elsewhere writes the outbox.
        self._publish = publish
        self._source = source
        self._outbox = outbox
        self._matcher = matcher
        self._clock = clock
        self.policy = policy or WatchPolicy()
        self._random = random.Random()
        # Changes handled since start, and reconnections after a failure (for tests and logs).
        self.handled = 0
        self.reconnects = 0

    async def run(self) -> None:
        """Watch, reconnecting after every failure, until cancelled."""
        failures = 0
        while True:
            cursor = await asyncio.to_thread(self._outbox.cursor, self.agency_id)
            try:
                async for response in self._source.watch_changes(cursor or ""):
                    await self._handle(response)
                    failures = 0
                log.info("%s ended its change stream; reconnecting", self.agency_id)
            except grpc.aio.AioRpcError as exc:
                log.info("%s change stream: %s %s", self.agency_id, exc.code().name,
                         exc.details())
            except Exception:  # the outbox failing: wait and resume from the stored cursor
                log.exception("watching %s failed", self.agency_id)
            failures += 1
            self.reconnects += 1
            await asyncio.sleep(backoff_delay(failures, self.policy.base_backoff_s,
                                              self.policy.max_backoff_s,
                                              self._random.random()))

    async def _handle(self, response: pb.WatchChangesResponse) -> None:
        try:
            change = change_from_proto(self.agency_id, response)
        except BadChange as exc:
            # Unusable: told to the operator, passed over (its cursor kept, if it has one).
            log.warning("%s", exc)
            if response.cursor and len(response.cursor) <= 64:
                await asyncio.to_thread(self._outbox.set_cursor, self.agency_id,
                                        response.cursor, self._clock())
            return
        if self._publish is None:
            await asyncio.to_thread(self._matcher.record, change)
        else:
            await self._publish(change)
            await asyncio.to_thread(self._outbox.set_cursor, self.agency_id, change.cursor,
                                    self._clock())
        self.handled += 1
