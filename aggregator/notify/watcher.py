"""One watcher per agency: reads the adapter's change stream from the durable cursor and
hands each change to the matcher; after an outage it reconnects with exponential backoff and
jitter and resumes from the stored cursor, so nothing is lost. On its very first start (no
cursor stored) it asks the adapter's Describe where the agency's changes stand and stores
that before it opens the stream, so even a change made while the stream is down before the
first one arrives is read on reconnection."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import grpc

from aggregator.federation.fanout import AgencyCallError
from aggregator.notify.backoff import backoff_delay
from aggregator.notify.changes import BadChange, change_from_proto
from aggregator.notify.matcher import Matcher
from aggregator.notify.model import StatusChange
from aggregator.notify.outbox import Outbox
from aggregator.ports import Clock
from caseline.v1 import agency_adapter_pb2 as pb

__all__ = ["ChangeSource", "Describable", "WatchPolicy", "Watcher"]

log = logging.getLogger(__name__)


@runtime_checkable
class ChangeSource(Protocol):
    """An agency's change stream (aggregator.federation.client.AdapterClient has one)."""

    def watch_changes(self, cursor: str) -> AsyncIterator[pb.WatchChangesResponse]:
        """Changes after ``cursor`` ("": new ones only), then as they happen."""
        ...


@runtime_checkable
class Describable(Protocol):
    """A source that also answers Describe (AdapterClient does): its ``change_cursor`` is
    where a watcher without a cursor of its own starts."""

    async def describe(self, timeout: float) -> pb.DescribeResponse:
        """The agency's self-description; AgencyCallError when the call failed."""
        ...


@dataclass(frozen=True, slots=True)
class WatchPolicy:
    """Reconnection waits double from ``base_backoff_s`` up to ``max_backoff_s``;
    ``describe_timeout_s`` bounds the first start's Describe."""

    base_backoff_s: float = 0.5
    max_backoff_s: float = 30.0
    describe_timeout_s: float = 10.0


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
            try:
                cursor = await asyncio.to_thread(self._outbox.cursor, self.agency_id)
                if cursor is None:
                    cursor = await self._first_cursor()
                async for response in self._source.watch_changes(cursor):
                    await self._handle(response)
                    failures = 0
                log.info("%s ended its change stream; reconnecting", self.agency_id)
            except grpc.aio.AioRpcError as exc:
                log.info("%s change stream: %s %s", self.agency_id, exc.code().name,
                         exc.details())
            except AgencyCallError as exc:  # Describe on the first start
                log.info("%s describe: %s", self.agency_id, exc)
            except Exception:  # the outbox failing: wait and resume from the stored cursor
                log.exception("watching %s failed", self.agency_id)
            failures += 1
            self.reconnects += 1
            await asyncio.sleep(backoff_delay(failures, self.policy.base_backoff_s,
                                              self.policy.max_backoff_s,
                                              self._random.random()))

    async def _first_cursor(self) -> str:
        """Where the agency's changes stand now, stored before the stream opens (a change
        made from here on is read even if the stream fails before its first change); ""
        (new changes only, as before) when the adapter does not say."""
        if not isinstance(self._source, Describable):
            return ""
        try:
            described = await self._source.describe(self.policy.describe_timeout_s)
        except AgencyCallError as exc:
            if exc.code != "UNIMPLEMENTED":
                raise  # down or failing: tried again after the backoff
            return ""
        cursor = described.change_cursor
        if not cursor or len(cursor) > 64:
            return ""
        await asyncio.to_thread(self._outbox.set_cursor, self.agency_id, cursor, self._clock())
        return cursor

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
