"""Live updates reach a listener when the delivery happened in another process: found by
polling the shared database."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest

from aggregator.consent.vocabulary import Role
from aggregator.model import AgencyInfo
from aggregator.notify.model import StatusChange
from aggregator.notify.runtime import NotifySettings, build_notifications
from support.fakes import FakeLedger, FixedClock, file_store

T0 = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
AGENCIES = {"immigration": AgencyInfo("immigration", "USCIS", "USCIS (es)")}


async def test_delivery_by_another_deliverer_reaches_the_listener_once(tmp_path: Path) -> None:
    """The gateway's feed (no deliverer) hears of a delivery another deliverer made."""
    store = file_store(tmp_path)
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


async def test_published_while_the_poll_releases_it_is_given_once(tmp_path: Path) -> None:
    """The deliverer in this process publishes a delivery while a poll that found the same
    row is still releasing it: the listener gets it once."""
    store = file_store(tmp_path)
    store.ensure_account("ana", Role.APPLICANT)
    store.add_link("ana", "immigration", "IOE0990000001")
    parts = build_notifications(store, b"k" * 32, FakeLedger(), lambda s: s, AGENCIES, {},
                                FixedClock(T0), settings=NotifySettings(live_poll_s=3600))
    live = parts.live
    stream = live.subscribe("ana")
    first = asyncio.ensure_future(stream.__anext__())
    await asyncio.sleep(0)
    parts.matcher.record(StatusChange(
        "immigration", "5", "IOE0990000001", "e5", T0, "ACTIVE", "UNDER_REVIEW", False,
        "Case Is Being Actively Reviewed By USCIS", {"en": "Being reviewed"}))
    assert parts.notifier.deliverer is not None
    publish, published = live.publish, []
    live.publish = published.append  # type: ignore[method-assign]  # held back for now
    await parts.notifier.deliverer.drain_once()
    live.publish = publish  # type: ignore[method-assign]
    release = live._release

    def release_meanwhile(notification_id: str):  # type: ignore[no-untyped-def]
        message = release(notification_id)
        live.publish(published[0])  # the deliverer's publish lands mid-poll
        return message

    live._release = release_meanwhile  # type: ignore[method-assign]
    await live.poll()
    assert (await asyncio.wait_for(first, 5)).notification.event_id == "e5"
    assert live._listeners["ana"].pop().empty()
    await stream.aclose()
    await live.close()


async def test_a_busy_recipients_deliveries_past_one_page_all_reach_the_listener(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """More rows delivered by another process within the poll's window than one page
    holds (two here; 500 in production): every one reaches the listener, once."""
    monkeypatch.setattr("aggregator.notify.live._MAX_ROWS", 2)
    store = file_store(tmp_path)
    store.ensure_account("ana", Role.APPLICANT)
    numbers = [f"IOE099000000{i}" for i in range(7)]
    for number in numbers:
        store.add_link("ana", "immigration", number)
    clock = FixedClock(T0)

    def parts(deliver: bool):  # type: ignore[no-untyped-def]
        return build_notifications(store, b"k" * 32, FakeLedger(), lambda s: s, AGENCIES, {},
                                   clock, settings=NotifySettings(deliver=deliver,
                                                                  live_poll_s=3600))

    gateway, deliverer_process = parts(False), parts(True)
    stream = gateway.live.subscribe("ana")
    first = asyncio.ensure_future(stream.__anext__())
    await asyncio.sleep(0)
    deliverer_process.matcher.record_batch([StatusChange(
        "immigration", str(i), number, f"e{i}", T0, "ACTIVE", "UNDER_REVIEW", False,
        "Case Is Being Actively Reviewed By USCIS", {"en": "Being reviewed"})
        for i, number in enumerate(numbers)])
    assert deliverer_process.notifier.deliverer is not None
    assert await deliverer_process.notifier.deliverer.drain_once() == 7
    await gateway.live.poll()
    got = [(await asyncio.wait_for(first, 5)).notification.case_number]
    queue = gateway.live._listeners["ana"].copy().pop()
    while not queue.empty():
        got.append(queue.get_nowait().notification.case_number)
    assert sorted(got) == numbers
    await gateway.live.poll()  # the same rows again: nothing given twice
    assert queue.empty()
    await gateway.live.close()
