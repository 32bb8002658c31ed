"""A watcher resumes from its stored cursor after the stream fails, and passes over a
change it cannot use without stopping."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import grpc

from aggregator.model import AgencyInfo
from aggregator.notify.runtime import NotifySettings, build_notifications
from aggregator.notify.watcher import WatchPolicy
from caseline.v1 import agency_adapter_pb2 as pb
from caseline.v1 import case_pb2
from support.fakes import FakeLedger, FixedClock, memory_store


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


async def test_watcher_resumes_from_the_stored_cursor_after_a_failure() -> None:
    """Starts from "" (new changes only), reconnects after UNAVAILABLE from cursor "1",
    passes over the unusable change and stores the cursor of the last one."""
    source = Flaky()
    parts = build_notifications(
        memory_store(), b"k" * 32, FakeLedger(), lambda s: s,
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
