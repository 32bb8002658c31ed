"""Change events on NATS JetStream against the machine's NATS: a change published twice is
one notification, a matcher killed between its commit and its ack writes nothing twice, a
watcher restarted before storing its cursor loses nothing and repeats nothing."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

import nats
import pytest
from sqlalchemy import func, select

from aggregator.consent.vocabulary import Role
from aggregator.model import AgencyInfo
from aggregator.notify.jetstream import JetStreamBus, JetStreamUnavailable
from aggregator.notify.model import StatusChange
from aggregator.notify.positions import position
from aggregator.notify.runtime import Notifications, NotifySettings, build_notifications
from aggregator.notify.tables import deliveries, notifications
from aggregator.notify.watcher import WatchPolicy
from aggregator.notify.wire import JetStreamSettings, encode_change, message_id
from aggregator.store import Store
from aggregator.store.subjects import make_engine
from caseline.v1 import agency_adapter_pb2 as pb
from caseline.v1 import case_pb2, vocabulary_pb2
from support.fakes import FakeLedger
from support.nats_bus import unique_stream
from support.sealing import MemorySealer

pytestmark = pytest.mark.integration

RECEIPT = "IOE0990000001"
T0 = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
AGENCIES = {"immigration": AgencyInfo("immigration", "USCIS", "USCIS")}
T = TypeVar("T")


def change(i: int) -> StatusChange:
    """Ana's receipt's i-th change, cursor i."""
    return StatusChange("immigration", str(i), RECEIPT, f"ev{i}", T0 + timedelta(minutes=i),
                        "ACTIVE", "UNDER_REVIEW", False, "Case Is Being Actively Reviewed",
                        {"en": "Under review", "es": "En revisión"})


def response(i: int) -> pb.WatchChangesResponse:
    """change(i) as the adapter's stream carries it."""
    event = case_pb2.CaseEvent(event_id=f"ev{i}", status=vocabulary_pb2.Status(
        category=vocabulary_pb2.STATUS_CATEGORY_ACTIVE,
        milestone=vocabulary_pb2.MILESTONE_UNDER_REVIEW,
        agency_code="Case Is Being Actively Reviewed",
        texts=[vocabulary_pb2.LocalizedText(language="en", title="Under review")]))
    event.occurred_at.FromDatetime(T0 + timedelta(minutes=i))
    return pb.WatchChangesResponse(cursor=str(i), case_number=RECEIPT, event=event)


class ListSource:
    """An agency's change stream over a list: changes after the cursor, then it waits."""

    def __init__(self, count: int) -> None:
        self.changes = [response(i) for i in range(1, count + 1)]
        self.opened_at: list[str] = []

    async def watch_changes(self, cursor: str) -> AsyncIterator[pb.WatchChangesResponse]:
        self.opened_at.append(cursor)
        after = int(cursor or 0)
        for item in self.changes[after:]:
            yield item
        await asyncio.Event().wait()  # open until cancelled, as a live stream


@dataclass
class World:
    store: Store
    ledger: FakeLedger
    nats: JetStreamSettings

    def parts(self, *, sources: dict[str, ListSource] | None = None, watch: bool = False,
              match: bool = True) -> Notifications:
        return build_notifications(
            self.store, b"k" * 32, self.ledger, lambda s: f"p_{s}", AGENCIES, sources or {},
            lambda: datetime.now(UTC), settings=NotifySettings(
                nats=self.nats, watch=watch, match=match, deliver=False,
                watch_policy=WatchPolicy(0.05, 0.2)))

    def count(self, table: object) -> int:
        with self.store.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    """A store in a SQLite file (the in-memory one shares one connection between threads:
    two transactions at once would mix), ana linked to her receipt."""
    store = Store(make_engine(f"sqlite:///{tmp_path / 'aggregator.db'}"), MemorySealer(),
                  os.urandom(32))
    store.ensure_account("ana", Role.APPLICANT)
    store.add_link("ana", "immigration", RECEIPT)
    async with unique_stream() as settings:
        yield World(store, FakeLedger(), settings)
    store.close()


async def eventually(probe: Callable[[], T], done: Callable[[T], bool],
                     timeout_s: float = 20.0) -> T:
    """Poll ``probe`` until ``done`` says so; the last value either way."""
    deadline = time.monotonic() + timeout_s
    value = probe()
    while not done(value) and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
        value = probe()
    return value


def bus_of(parts: Notifications) -> JetStreamBus:
    bus = parts.notifier.bus
    assert bus is not None
    return bus


async def test_same_change_published_twice_is_one_notification(world: World) -> None:
    """Two publishes with one Nats-Msg-Id: the stream keeps one message, ana gets one
    notification (and one in-app delivery)."""
    parts = world.parts(match=False)
    bus = bus_of(parts)
    await parts.notifier.start()
    try:
        await bus.publish(change(1))
        await bus.publish(change(1))
        assert (bus.published, bus.duplicates) == (2, 1)
        [msg] = await bus.fetch()
        assert msg.headers is not None and msg.headers["Nats-Msg-Id"] == "immigration:1"
        assert await bus.handle(msg) == 1
        assert await bus.fetch() == []
    finally:
        await parts.notifier.stop()
    assert (world.count(notifications), world.count(deliveries)) == (1, 1)


async def test_matcher_killed_between_commit_and_ack_writes_nothing_twice(
        world: World) -> None:
    """The first matcher commits a change and dies before acking; the message comes back
    to the next matcher, which acks it without inserting anything."""
    first = world.parts(match=False)
    bus = bus_of(first)
    await first.notifier.start()
    try:
        await bus.publish(change(1))
        [msg] = await bus.fetch()
        assert await bus.handle(msg, ack=False) == 1  # committed; the ack never goes out
    finally:
        await first.notifier.stop()  # the crash: its connection gone, the message unacked
    stored = position(world.store.engine, world.nats.stream, world.nats.consumer)
    assert stored == msg.metadata.sequence.stream
    second = world.parts()
    again = bus_of(second)
    await second.notifier.start()
    try:
        await eventually(lambda: again.skipped, lambda n: n >= 1)
        await again.publish(change(2))
        await eventually(lambda: again.matched, lambda n: n >= 1)
    finally:
        await second.notifier.stop()
    assert (again.skipped, again.matched) == (1, 1)
    assert (world.count(notifications), world.count(deliveries)) == (2, 2)
    nc = await nats.connect(world.nats.url)
    try:
        info = await nc.jetstream().consumer_info(world.nats.stream, world.nats.consumer)
    finally:
        await nc.close()
    assert (info.num_pending, info.num_ack_pending) == (0, 0)  # both acked in the end


async def test_watcher_restarted_before_storing_its_cursor_loses_and_repeats_nothing(
        world: World) -> None:
    """A watcher dies after the stream acked change 3 but before its cursor was stored;
    restarted, it reads from cursor 2, publishes change 3 again (dropped as a duplicate)
    and goes on: changes 1 to 6 each reach ana once."""
    source = ListSource(6)
    first = world.parts(sources={"immigration": source}, watch=True)
    bus = bus_of(first)
    original = bus.publish
    died = asyncio.Event()

    async def publish_then_die(c: StatusChange) -> None:
        await original(c)
        if c.cursor == "3":
            died.set()
            await asyncio.Event().wait()  # stopped here, before the cursor is stored

    first.notifier.watchers[0]._publish = publish_then_die  # the hook the bus was given
    await first.notifier.start()
    try:
        await asyncio.wait_for(died.wait(), 20)
    finally:
        await first.notifier.stop()
    assert first.outbox.cursor("immigration") == "2"
    second = world.parts(sources={"immigration": source}, watch=True)
    await second.notifier.start()
    try:
        await eventually(lambda: world.count(notifications), lambda n: n >= 6)
        await eventually(lambda: second.outbox.cursor("immigration"), lambda c: c == "6")
    finally:
        await second.notifier.stop()
    assert source.opened_at == ["", "2"]
    assert bus_of(second).duplicates == 1
    assert world.count(notifications) == 6
    with world.store.engine.connect() as conn:
        events = sorted(r[0] for r in conn.execute(select(notifications.c.event_id)))
    assert events == [f"ev{i}" for i in range(1, 7)]


async def test_a_message_that_is_not_a_change_is_passed_over(world: World) -> None:
    """A foreign payload on the agency's subject is logged and acked; the next change is
    matched as usual."""
    parts = world.parts(match=False)
    bus = bus_of(parts)
    await parts.notifier.start()
    try:
        nc = await nats.connect(world.nats.url)
        try:
            js = nc.jetstream()
            await js.publish(f"{world.nats.subject_prefix}.immigration", b'{"v": 99}',
                             headers={"Nats-Msg-Id": "x"})
            other = replace(change(1), agency_id="labor")
            await js.publish(f"{world.nats.subject_prefix}.immigration",
                             encode_change(other), headers={"Nats-Msg-Id": message_id(other)})
        finally:
            await nc.close()
        await bus.publish(change(1))
        handled = []
        for _ in range(3):
            [msg] = await bus.fetch()
            handled.append(await bus.handle(msg))
    finally:
        await parts.notifier.stop()
    assert handled == [0, 0, 1]
    assert world.count(notifications) == 1


async def test_unreachable_nats_is_said_at_start(world: World) -> None:
    """A NATS URL nothing answers at: start() fails naming the URL."""
    dead = replace(world.nats, url="nats://127.0.0.1:1", connect_timeout_s=0.5)
    parts = replace(world, nats=dead).parts()
    with pytest.raises(JetStreamUnavailable) as raised:
        await parts.notifier.start()
    assert str(raised.value).startswith("cannot reach NATS at nats://127.0.0.1:1: ")
