"""Change events on NATS JetStream (nats-py), imported only when a NATS URL is configured.

Watchers publish each change to ``<prefix>.<agency>`` with ``Nats-Msg-Id`` = agency:cursor
and store their cursor only after the stream acknowledged it (at least once; JetStream's
duplicate window drops a republished change). The matcher consumes a durable pull consumer
with explicit acks: it takes the messages that are ready (up to ``match_batch``), writes
their notifications and the last stream sequence in one transaction and acks them after
the commit; a message at or below the stored sequence (a redelivery after a crash between
commit and ack) is matched again and writes nothing new (ids are deterministic).
Deliverers drain the outbox as in the embedded default.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Callable

import nats
import nats.errors
import nats.js.errors
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import (
    AckPolicy,
    ConsumerConfig,
    DeliverPolicy,
    DiscardPolicy,
    RetentionPolicy,
    StorageType,
    StreamConfig,
)
from sqlalchemy.engine import Connection

from aggregator.notify import positions
from aggregator.notify.backoff import backoff_delay
from aggregator.notify.matcher import Matcher
from aggregator.notify.model import StatusChange
from aggregator.notify.outbox import Outbox
from aggregator.notify.wire import (
    MAX_EVENT_BYTES,
    BadEvent,
    JetStreamSettings,
    decode_change,
    encode_change,
    message_id,
    subject_for,
)
from aggregator.ports import Clock

__all__ = ["JetStreamBus", "JetStreamUnavailable", "ensure_stream"]

log = logging.getLogger(__name__)
# Seconds a NATS connection is given to close (flush, goodbye) when the bus stops.
CLOSE_TIMEOUT_S = 5.0


class JetStreamUnavailable(RuntimeError):
    """NATS could not be reached, or its JetStream refused the stream's settings."""


def stream_config(settings: JetStreamSettings) -> StreamConfig:
    """The stream: a work queue (a matched change is removed once acked), on disk, refusing
    new changes when full (watchers then back off and keep their cursor: nothing is lost)."""
    return StreamConfig(
        name=settings.stream, subjects=[settings.subjects],
        retention=RetentionPolicy.WORK_QUEUE, storage=StorageType.FILE,
        discard=DiscardPolicy.NEW, max_age=settings.max_age_s, max_bytes=settings.max_bytes,
        max_msg_size=MAX_EVENT_BYTES, duplicate_window=settings.duplicate_window_s)


async def ensure_stream(js: JetStreamContext, settings: JetStreamSettings) -> None:
    """Create the stream and the matcher's durable consumer, or bring an existing stream to
    these settings (idempotent: every process does it at start)."""
    config = stream_config(settings)
    try:
        try:
            await js.stream_info(settings.stream)
        except nats.js.errors.NotFoundError:
            await js.add_stream(config)
        else:
            await js.update_stream(config)
        try:
            await js.consumer_info(settings.stream, settings.consumer)
        except nats.js.errors.NotFoundError:
            await js.add_consumer(settings.stream, ConsumerConfig(
                durable_name=settings.consumer, ack_policy=AckPolicy.EXPLICIT,
                deliver_policy=DeliverPolicy.ALL, filter_subject=settings.subjects,
                ack_wait=settings.ack_wait_s, max_ack_pending=settings.match_batch,
                max_deliver=-1))
    except nats.js.errors.APIError as exc:
        raise JetStreamUnavailable(
            f"JetStream refused stream {settings.stream!r} or consumer "
            f"{settings.consumer!r}: {exc.description or exc}") from exc


class JetStreamBus:
    """One process's link to the change stream: publishing for its watchers and, when
    ``match`` is set, the matcher loop."""

    def __init__(self, settings: JetStreamSettings, outbox: Outbox, matcher: Matcher,
                 clock: Clock, *, match: bool = True, fetch_wait_s: float = 1.0) -> None:
        self.settings = settings
        self.matching = match
        self._outbox = outbox
        self._matcher = matcher
        self._clock = clock
        self._fetch_wait_s = fetch_wait_s
        self._nc: Client | None = None
        self._js: JetStreamContext | None = None
        self._sub: JetStreamContext.PullSubscription | None = None
        self._random = random.Random()
        # Counters for tests and logs.
        self.published = 0
        self.duplicates = 0
        self.matched = 0
        self.skipped = 0
        positions.create(outbox.engine)

    async def start(self) -> None:
        """Connect and make sure the stream and consumer exist; JetStreamUnavailable with
        the URL when NATS cannot be reached."""
        if self._nc is not None:
            return
        url = self.settings.url
        try:
            # One retry at first, so that a NATS not there is said at start rather than
            # waited for; once connected, reconnection never gives up (set below).
            nc = await nats.connect(
                url, name="caseline-notify", connect_timeout=self.settings.connect_timeout_s,
                allow_reconnect=True, max_reconnect_attempts=1, reconnect_time_wait=0.2)
        except (TimeoutError, OSError, nats.errors.Error) as exc:
            raise JetStreamUnavailable(
                f"cannot reach NATS at {url}: {exc or type(exc).__name__}") from exc
        nc.options["max_reconnect_attempts"] = -1
        nc.options["reconnect_time_wait"] = 1.0
        self._nc = nc
        self._js = nc.jetstream(timeout=self.settings.publish_timeout_s)
        try:
            await ensure_stream(self._js, self.settings)
        except BaseException:
            await self.close()
            raise

    async def close(self) -> None:
        """Drop the connection (unacked messages go back to the consumer after ack_wait)."""
        nc, self._nc, self._js, self._sub = self._nc, None, None, None
        if nc is not None and not nc.is_closed:
            # Bounded: a connection caught reconnecting may not finish closing, and stopping
            # must not hang on it (the server drops it when the socket goes).
            try:
                await asyncio.wait_for(nc.close(), CLOSE_TIMEOUT_S)
            except TimeoutError:
                log.warning("the NATS connection did not close within %s s; dropped",
                            CLOSE_TIMEOUT_S)

    def _stream(self) -> JetStreamContext:
        if self._js is None:
            raise JetStreamUnavailable("the change stream is not connected (start() first)")
        return self._js

    async def publish(self, change: StatusChange) -> None:
        """Publish one change and wait for the stream's ack (a watcher stores its cursor
        only after this returns; any error makes it back off and read the change again)."""
        ack = await self._stream().publish(
            subject_for(self.settings.subject_prefix, change.agency_id), encode_change(change),
            stream=self.settings.stream, headers={"Nats-Msg-Id": message_id(change)})
        self.published += 1
        if ack.duplicate:
            self.duplicates += 1

    async def fetch(self, limit: int = 1) -> list[Msg]:
        """The consumer's next messages, as many as are ready up to ``limit`` (the matcher
        loop asks for ``match_batch``); empty after a quiet wait."""
        if self._sub is None:
            self._sub = await self._stream().pull_subscribe_bind(
                durable=self.settings.consumer, stream=self.settings.stream)
        try:
            return await self._sub.fetch(limit, timeout=self._fetch_wait_s)
        except (nats.errors.TimeoutError, TimeoutError):  # a batch fetch raises the latter
            return []

    async def handle(self, msg: Msg, *, ack: bool = True) -> int:
        """``handle_batch`` of one message."""
        return await self.handle_batch([msg], ack=ack)

    async def handle_batch(self, msgs: list[Msg], *, ack: bool = True) -> int:
        """Match messages in stream order: their notifications and the last sequence in one
        transaction, then the acks (``ack`` False leaves them unacked, as a crash right
        after the commit would). A message at or below the stored position (a redelivery
        after a crash between commit and ack, or one another matcher's later batch
        overtook) is matched again: idempotent by notification id, it writes nothing it
        wrote before and loses nothing it did not. Returns how many notifications were
        new."""
        msgs = sorted(msgs, key=lambda m: m.metadata.sequence.stream)
        if not msgs:
            return 0
        stream, consumer = self.settings.stream, self.settings.consumer
        stored = await asyncio.to_thread(positions.position, self._outbox.engine, stream,
                                         consumer)
        changes: list[StatusChange] = []
        again = 0
        for msg in msgs:
            sequence = msg.metadata.sequence.stream
            try:
                change = decode_change(msg.data)
                if msg.subject != subject_for(self.settings.subject_prefix, change.agency_id):
                    raise BadEvent(f"change event of {change.agency_id} on {msg.subject}")
            except BadEvent as exc:
                # Unusable: told to the operator, passed over (its sequence kept).
                log.warning("stream sequence %d: %s", sequence, exc)
                continue
            changes.append(change)
            again += sequence <= stored
        move = positions.advance_to(stream, consumer, msgs[-1].metadata.sequence.stream,
                                    self._clock())
        if changes:
            new = await asyncio.to_thread(self._matcher.record_batch, changes, moves=move)
        else:
            new = 0
            await asyncio.to_thread(self._move_only, move)
        self.skipped += again
        self.matched += len(changes) - again
        if ack:
            for msg in msgs:
                await msg.ack()
        return new

    def _move_only(self, move: Callable[[Connection], None]) -> None:
        with self._outbox.engine.begin() as conn:
            move(conn)

    async def run_matcher(self) -> None:
        """Match until cancelled; a failure (NATS or the database) is logged, the message
        left unacked (redelivered after ack_wait) and the loop waits before going on."""
        failures = 0
        while True:
            try:
                msgs = await self.fetch(self.settings.match_batch)
                try:
                    await self.handle_batch(msgs)
                except Exception:
                    # Given back at once rather than after ack_wait.
                    for msg in msgs:
                        with contextlib.suppress(Exception):
                            await msg.nak(delay=1.0)
                    raise
                failures = 0
            except asyncio.CancelledError:
                raise
            except Exception:
                failures += 1
                log.exception("matching from %s failed", self.settings.stream)
                await asyncio.sleep(backoff_delay(failures, 0.2, 5.0, self._random.random()))
