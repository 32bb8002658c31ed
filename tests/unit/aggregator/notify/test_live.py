"""Live updates reach a listener when the delivery happened in another process: found by
polling the shared database."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from aggregator.consent.vocabulary import Role
from aggregator.model import AgencyInfo
from aggregator.notify.model import StatusChange
from aggregator.notify.runtime import NotifySettings, build_notifications
from support.fakes import FakeLedger, FixedClock, memory_store

T0 = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
AGENCIES = {"immigration": AgencyInfo("immigration", "USCIS", "USCIS (es)")}


async def test_delivery_by_another_deliverer_reaches_the_listener_once() -> None:
    """The gateway's feed (no deliverer) hears of a delivery another deliverer made."""
    store = memory_store()
    store.ensure_account("ana", Role.APPLICANT)
    store.add_link("ana", "immigration", "IOE0990000001")
    clock = FixedClock(T0)

    def parts(deliver: bool):  # type: ignore[no-untyped-def]
        return build_notifications(store, b"k" * 32, FakeLedger(), lambda s: s, AGENCIES, {},
                                   clock, settings=NotifySettings(deliver=deliver,
                                                                  live_poll_s=0.01))

    gateway, deliverer_process = parts(False), parts(True)
    stream = gateway.live.subscribe("ana")
    first = asyncio.ensure_future(stream.__anext__())
    await asyncio.sleep(0.05)
    deliverer_process.matcher.record(StatusChange(
        "immigration", "5", "IOE0990000001", "e5", T0, "ACTIVE", "UNDER_REVIEW", False,
        "Case Is Being Actively Reviewed By USCIS", {"en": "Being reviewed"}))
    assert deliverer_process.notifier.deliverer is not None
    await deliverer_process.notifier.deliverer.drain_once()
    message = await asyncio.wait_for(first, 5)
    assert (message.notification.event_id, message.title) == ("e5", "Being reviewed")
    second = asyncio.ensure_future(stream.__anext__())
    await asyncio.sleep(0.1)  # several polls see the row again: it is not given twice
    assert not second.done()
    second.cancel()
    await gateway.live.close()
