"""One watcher per agency: reads the adapter's change stream from the durable cursor and
hands each change to the matcher; after an outage it reconnects with exponential backoff and
jitter and resumes from the stored cursor, so nothing is lost. On its very first start (no
cursor stored) it asks the adapter's Describe where the agency's changes stand and stores
that before it opens the stream, so even a change made while the stream is down before the
first one arrives is read on reconnection."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
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

__all__ = ["ChangeSource", "Describable", "WatchPolicy", "Watcher", "ready_batches"]

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
    ``describe_timeout_s`` bounds the first start's Describe; ``batch`` caps how many
    ready changes share one transaction."""

    base_backoff_s: float = 0.5
    max_backoff_s: float = 30.0
    describe_timeout_s: float = 10.0
    # At most this many changes the stream has ready are matched in one transaction.
    batch: int = 100


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
                # Closed on the way out, whatever ends the loop: its read task stops then.
                async with contextlib.aclosing(ready_batches(
                        self._source.watch_changes(cursor), self.policy.batch)) as batches:
                    async for batch in batches:
                        await self._handle_batch(batch)
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

    async def _handle_batch(self, responses: list[pb.WatchChangesResponse]) -> None:
        """What the stream had ready, in order: runs of usable changes matched and written
        with their last cursor in one transaction; an unusable one passed over after the
        run before it is written."""
        run: list[StatusChange] = []
        for response in responses:
            try:
                run.append(change_from_proto(self.agency_id, response))
            except BadChange as exc:
                await self._record(run)
                run = []
                # Unusable: told to the operator, passed over (its cursor kept, if it has one).
                log.warning("%s", exc)
                if response.cursor and len(response.cursor) <= 64:
                    await asyncio.to_thread(self._outbox.set_cursor, self.agency_id,
                                            response.cursor, self._clock())
        await self._record(run)

    async def _record(self, changes: list[StatusChange]) -> None:
        if not changes:
            return
        if self._publish is None:
            await asyncio.to_thread(self._matcher.record_batch, changes)
        else:
            for change in changes:  # each cursor stored once the stream acknowledged it
                await self._publish(change)
                await asyncio.to_thread(self._outbox.set_cursor, self.agency_id,
                                        change.cursor, self._clock())
        self.handled += len(changes)


_END = object()


async def ready_batches(stream: AsyncIterator[pb.WatchChangesResponse], limit: int
                   ) -> AsyncGenerator[list[pb.WatchChangesResponse], None]:
    """The stream's responses in lists of what had arrived, up to ``limit``, while the
    previous list was being handled (no waiting for more: an idle stream's change goes
    on alone, at once). A read task runs ahead by at most ``limit`` responses; its
    failure is raised here after what it read before."""
    queue: asyncio.Queue[object] = asyncio.Queue(maxsize=limit)

    async def read() -> None:
        try:
            async for response in stream:
                await queue.put(response)
        except BaseException as exc:  # handed over, raised by the consumer
            current = asyncio.current_task()
            if current is not None and current.cancelling():
                # Cancelled by the consumer's finally: nobody takes from the queue any
                # more, and putting into a full one would wait forever (and so its stop).
                raise
            await queue.put(exc)
            return
        await queue.put(_END)

    reader = asyncio.get_running_loop().create_task(read())
    try:
        while True:
            item = await queue.get()
            batch: list[pb.WatchChangesResponse] = []
            while True:
                if item is _END:
                    if batch:
                        yield batch
                    return
                if isinstance(item, BaseException):
                    if batch:
                        yield batch
                    raise item
                assert isinstance(item, pb.WatchChangesResponse)
                batch.append(item)
                if len(batch) >= limit or queue.empty():
                    break
                item = queue.get_nowait()
            yield batch
    finally:
        reader.cancel()
        with contextlib.suppress(BaseException):
            await reader
