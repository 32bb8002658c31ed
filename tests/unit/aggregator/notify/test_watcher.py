"""A watcher resumes from its stored cursor after the stream fails, and passes over a
change it cannot use without stopping."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import grpc

from aggregator.model import AgencyInfo
from aggregator.notify.runtime import NotifySettings, build_notifications
from aggregator.notify.watcher import WatchPolicy, ready_batches
from caseline.v1 import agency_adapter_pb2 as pb
from caseline.v1 import case_pb2
from support.fakes import FakeLedger, FixedClock, file_store


def _change(cursor: str, event_id: str) -> pb.WatchChangesResponse:
    event = case_pb2.CaseEvent(event_id=event_id)
    event.occurred_at.FromDatetime(datetime(2026, 12, 1, tzinfo=UTC))
    return pb.WatchChangesResponse(cursor=cursor, case_number="IOE0990000001", event=event)


class Flaky:
    """First call: one change, then the agency goes away; later calls: what is after the
    cursor asked for, then silence."""

    def __init__(self) -> None:
        self.cursors: list[str] = []

    async def watch_changes(self, cursor: str) -> AsyncIterator[pb.WatchChangesResponse]:
        self.cursors.append(cursor)
        if len(self.cursors) == 1:
            yield _change("1", "e1")
            raise grpc.aio.AioRpcError(grpc.StatusCode.UNAVAILABLE, grpc.aio.Metadata(),
                                       grpc.aio.Metadata(), "connection reset")
        yield _change("2", "")  # unusable: no event id
        yield _change("3", "e3")
        await asyncio.Event().wait()


async def test_watcher_resumes_from_the_stored_cursor_after_a_failure(tmp_path: Path) -> None:
    """Starts from "" (new changes only), reconnects after UNAVAILABLE from cursor "1",
    passes over the unusable change and stores the cursor of the last one."""
    source = Flaky()
    parts = build_notifications(
        file_store(tmp_path), b"k" * 32, FakeLedger(), lambda s: s,
        {"immigration": AgencyInfo("immigration", "USCIS", "USCIS")}, {"immigration": source},
        FixedClock(), settings=NotifySettings(deliver=False,
                                              watch_policy=WatchPolicy(0.001, 0.01)))
    [watcher] = parts.notifier.watchers
    await parts.notifier.start()
    for _ in range(500):
        if watcher.handled == 2:
            break
        await asyncio.sleep(0.01)
    await parts.notifier.stop()
    assert source.cursors == ["", "1"]
    assert parts.outbox.cursor("immigration") == "3"
    assert watcher.reconnects == 1


async def _burst(count: int, fail: bool) -> AsyncIterator[pb.WatchChangesResponse]:
    for i in range(count):
        yield _change(str(i), f"e{i}")
    await asyncio.sleep(0.05)  # the first batch is taken while this one waits
    yield _change(str(count), f"e{count}")
    if fail:
        raise grpc.aio.AioRpcError(grpc.StatusCode.UNAVAILABLE, grpc.aio.Metadata(),
                                   grpc.aio.Metadata(), "connection reset")


async def test_ready_changes_come_in_batches_in_order_up_to_the_limit() -> None:
    """What the stream had ready is handed over together (at most ``limit``), in order."""
    seen: list[list[str]] = []
    async for batch in ready_batches(_burst(7, fail=False), 3):
        seen.append([r.cursor for r in batch])
        await asyncio.sleep(0.01)  # handling takes a while: the rest is ready meanwhile
    assert [c for b in seen for c in b] == [str(i) for i in range(8)]
    assert max(len(b) for b in seen) == 3 and len(seen) < 8


async def test_a_failing_stream_hands_over_what_it_read_before_the_error() -> None:
    """Every change read before the stream failed is handed over, then the error."""
    seen: list[str] = []
    try:
        async for batch in ready_batches(_burst(4, fail=True), 100):
            seen.extend(r.cursor for r in batch)
    except grpc.aio.AioRpcError as exc:
        assert exc.code() == grpc.StatusCode.UNAVAILABLE
    else:
        raise AssertionError("the stream's failure was not raised")
    assert seen == ["0", "1", "2", "3", "4"]


async def test_leaving_while_the_reader_waits_on_a_full_queue_ends_it() -> None:
    """The consumer stops taking (its watcher stopped) while the stream has more ready than
    the queue holds: leaving ends the read task instead of waiting on it forever."""

    async def endless() -> AsyncIterator[pb.WatchChangesResponse]:
        i = 0
        while True:
            i += 1
            yield _change(str(i), f"e{i}")

    async def take_one_batch() -> list[str]:
        async with contextlib.aclosing(ready_batches(endless(), 2)) as batches:
            async for batch in batches:
                await asyncio.sleep(0.05)  # the reader fills the queue meanwhile
                return [r.cursor for r in batch]
        return []

    # Bounded so that a regression fails here rather than hanging the suite.
    first = await asyncio.wait_for(take_one_batch(), 30)
    assert first[:1] == ["1"]


async def test_the_matcher_gets_a_ready_burst_in_few_transactions(tmp_path: Path) -> None:
    """Twenty ready changes of one agency reach the outbox in fewer matcher calls than
    changes, and the stored cursor is the last one's."""
    calls: list[int] = []

    class Burst:
        async def watch_changes(self, cursor: str) -> AsyncIterator[pb.WatchChangesResponse]:
            for i in range(20):
                yield pb.WatchChangesResponse(
                    cursor=str(i + 1), case_number=f"IOE09900000{i:02d}",
                    event=_change("", f"e{i}").event)
            await asyncio.Event().wait()

    parts = build_notifications(
        file_store(tmp_path), b"k" * 32, FakeLedger(), lambda s: s,
        {"immigration": AgencyInfo("immigration", "USCIS", "USCIS")}, {"immigration": Burst()},
        FixedClock(), settings=NotifySettings(deliver=False))
    [watcher] = parts.notifier.watchers
    record_batch = parts.matcher.record_batch

    def counting(changes: object, **kwargs: object) -> int:
        calls.append(len(changes))  # type: ignore[arg-type]
        return record_batch(changes, **kwargs)  # type: ignore[arg-type]

    parts.matcher.record_batch = counting  # type: ignore[method-assign]
    await parts.notifier.start()
    for _ in range(500):
        if watcher.handled == 20:
            break
        await asyncio.sleep(0.01)
    await parts.notifier.stop()
    assert sum(calls) == 20 and len(calls) < 20
    assert parts.outbox.cursor("immigration") == "20"
