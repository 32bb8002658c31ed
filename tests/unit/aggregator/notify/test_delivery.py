"""Delivery rounds at once: a batch waiting on a slow webhook receiver does not hold back the
next one (DeliveryPolicy.rounds), nor does an in-app batch waiting on its ledger entries
(in_app_rounds); stopping the deliverer ends the rounds under way."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from aggregator.consent.vocabulary import Role
from aggregator.ledger.entries import Entry
from aggregator.model import AgencyInfo
from aggregator.notify.delivery import DeliveryPolicy
from aggregator.notify.model import (
    ChannelKind,
    Delivery,
    DeliveryState,
    Preferences,
    Released,
    StatusChange,
    notification_id,
)
from aggregator.notify.runtime import Notifications, NotifySettings, build_notifications
from aggregator.ports import Appended
from caseline.v1.lib.scopes import Scope
from support.fakes import FakeLedger, FixedClock, file_store

T0 = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
A_NUMBER = "A123456789"
AGENCIES = {"courts": AgencyInfo("courts", "EOIR", "EOIR (es)", Scope.IDENTITY)}
WAIT_S = 30.0


class StuckThenQuick:
    """A webhook-like channel whose first delivery waits until ``release`` is set (a slow
    receiver); later ones go at once. Records what it sent and what was cancelled."""

    kind = ChannelKind.WEBHOOK

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.stuck = asyncio.Event()  # the first delivery is waiting
        self.sent: list[str] = []
        self.cancelled: list[str] = []

    def targets(self, recipient_id: str) -> Sequence[str]:
        return [f"https://{recipient_id}.example/hook"]

    async def deliver(self, message: Released, delivery: Delivery) -> None:
        if not self.stuck.is_set():
            self.stuck.set()
            try:
                await self.release.wait()
            except asyncio.CancelledError:
                self.cancelled.append(message.notification.event_id)
                raise
        self.sent.append(message.notification.event_id)


class SlowFirstLedger(FakeLedger):
    """A ledger whose first append waits until ``release`` is set (a slow disk)."""

    def __init__(self) -> None:
        super().__init__()
        self.release = asyncio.Event()
        self.stuck = asyncio.Event()

    async def append(self, entry: Entry) -> Appended:
        if not self.stuck.is_set():
            self.stuck.set()
            await self.release.wait()
        return self.append_sync(entry)


def _change(event_id: str) -> StatusChange:
    return StatusChange("courts", event_id.removeprefix("e"), A_NUMBER, event_id, T0,
                        "ACTIVE", "HEARING_SCHEDULED", True, "Hearing Scheduled",
                        {"en": "Hearing scheduled", "es": "Audiencia programada"})


def _parts(tmp_path: Path, hook: StuckThenQuick | None, rounds: int = 2,
           ledger: FakeLedger | None = None) -> Notifications:
    store = file_store(tmp_path)
    store.ensure_account("ana", Role.APPLICANT)
    store.add_link("ana", "courts", A_NUMBER)
    parts = build_notifications(
        store, b"k" * 32, ledger or FakeLedger(), lambda s: f"p_{s}", AGENCIES, {},
        FixedClock(T0), channels=[] if hook is None else [hook],
        settings=NotifySettings(delivery=DeliveryPolicy(poll_s=3600, rounds=rounds,
                                                        in_app_rounds=rounds)))
    parts.hub.preferences.set_preferences("ana", Preferences(
        channels=frozenset({ChannelKind.IN_APP, ChannelKind.WEBHOOK})))
    return parts


def _state(parts: Notifications, event_id: str,
           channel: ChannelKind = ChannelKind.WEBHOOK) -> DeliveryState:
    [delivery] = [d for d in parts.outbox.deliveries_of(
        notification_id("courts", event_id, A_NUMBER, "ana")) if d.channel == channel]
    return delivery.state


async def _until(condition: Callable[[], bool], what: str) -> None:
    for _ in range(int(WAIT_S / 0.01)):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"not within {WAIT_S:g} s: {what}")


async def test_a_slow_receiver_does_not_hold_back_the_next_batch(tmp_path: Path) -> None:
    """The first change's webhook waits on its receiver; the second change's goes in a
    round of its own meanwhile and is delivered; the first follows once answered."""
    hook = StuckThenQuick()
    parts = _parts(tmp_path, hook, rounds=2)
    deliverer = parts.notifier.deliverer
    assert deliverer is not None
    running = asyncio.ensure_future(deliverer.run())
    try:
        await asyncio.sleep(0.05)  # running: hand-overs are taken
        assert await asyncio.to_thread(parts.matcher.record, _change("e1")) == 1
        await asyncio.wait_for(hook.stuck.wait(), WAIT_S)
        assert await asyncio.to_thread(parts.matcher.record, _change("e2")) == 1
        await _until(lambda: _state(parts, "e2") == DeliveryState.DELIVERED,
                     "the second change's webhook delivered")
        assert hook.sent == ["e2"]
        assert _state(parts, "e1") == DeliveryState.PENDING
        hook.release.set()
        await _until(lambda: _state(parts, "e1") == DeliveryState.DELIVERED,
                     "the first change's webhook delivered once answered")
        assert hook.sent == ["e2", "e1"]
    finally:
        running.cancel()


async def test_stopping_the_deliverer_ends_the_rounds_under_way(tmp_path: Path) -> None:
    """A round still waiting on its receiver is cancelled with the deliverer: its delivery
    stays pending (claimed until its lease ends), for a deliverer to send later."""
    hook = StuckThenQuick()
    parts = _parts(tmp_path, hook, rounds=2)
    deliverer = parts.notifier.deliverer
    assert deliverer is not None
    running = asyncio.ensure_future(deliverer.run())
    await asyncio.sleep(0.05)
    assert await asyncio.to_thread(parts.matcher.record, _change("e1")) == 1
    await asyncio.wait_for(hook.stuck.wait(), WAIT_S)
    running.cancel()
    done, _ = await asyncio.wait([running], timeout=WAIT_S)
    assert done, "the deliverer did not stop"
    assert hook.cancelled == ["e1"]
    assert hook.sent == []
    assert _state(parts, "e1") == DeliveryState.PENDING


async def test_an_in_app_batch_waiting_on_its_ledger_entries_does_not_hold_back_the_next(
        tmp_path: Path) -> None:
    """The first change's access entry waits on the ledger; the second change reaches
    ana's live feed meanwhile, recorded in the ledger first; the first follows."""
    ledger = SlowFirstLedger()
    parts = _parts(tmp_path, None, ledger=ledger)
    deliverer = parts.notifier.deliverer
    assert deliverer is not None
    stream = parts.live.subscribe("ana")
    first = asyncio.ensure_future(stream.__anext__())
    running = asyncio.ensure_future(deliverer.run())
    try:
        await asyncio.sleep(0.05)
        assert await asyncio.to_thread(parts.matcher.record, _change("e1")) == 1
        await asyncio.wait_for(ledger.stuck.wait(), WAIT_S)
        assert await asyncio.to_thread(parts.matcher.record, _change("e2")) == 1
        message = await asyncio.wait_for(first, WAIT_S)
        assert message.notification.event_id == "e2"
        assert ledger.size == 1
        assert _state(parts, "e1", ChannelKind.IN_APP) == DeliveryState.PENDING
        ledger.release.set()
        second = await asyncio.wait_for(stream.__anext__(), WAIT_S)
        assert second.notification.event_id == "e1"
        assert ledger.size == 2
    finally:
        running.cancel()
        await stream.aclose()
