"""The matcher hands a deliverer of its own process the new deliveries on its channels,
claimed in the transaction that writes them: sent without a poll, a claim or a read back;
never lost when the hand-over is (their claim ends and any deliverer sends them, once)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from aggregator.consent.vocabulary import Role
from aggregator.model import AgencyInfo
from aggregator.notify.delivery import DeliveryPolicy
from aggregator.notify.model import (
    ChannelKind,
    Delivery,
    DeliveryState,
    Preferences,
    Released,
    StatusChange,
)
from aggregator.notify.outbox import Claim, HandedOver
from aggregator.notify.runtime import Notifications, NotifySettings, build_notifications
from caseline.v1.lib.scopes import Scope
from support.fakes import FakeLedger, FixedClock, file_store

T0 = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
A_NUMBER = "A123456789"
AGENCIES = {"courts": AgencyInfo("courts", "EOIR", "EOIR (es)", Scope.IDENTITY)}
LEASE = timedelta(seconds=30)
IN_APP_ONLY = Claim(LEASE, frozenset({ChannelKind.IN_APP}))


class Hook:
    """A webhook-like channel that records what it sent."""

    kind = ChannelKind.WEBHOOK

    def __init__(self) -> None:
        self.sent: list[tuple[Released, Delivery]] = []

    def targets(self, recipient_id: str) -> Sequence[str]:
        return [f"https://{recipient_id}.example/hook"]

    async def deliver(self, message: Released, delivery: Delivery) -> None:
        self.sent.append((message, delivery))


class Taker:
    """Takes hand-overs on in-app deliveries and only keeps them (``taken``): never sent
    unless a test sends them."""

    def __init__(self) -> None:
        self.taken: list[HandedOver] = []

    def hand_over_claim(self) -> Claim:
        return IN_APP_ONLY

    def take(self, handed: Sequence[HandedOver]) -> None:
        self.taken.extend(handed)


def _change(event_id: str) -> StatusChange:
    return StatusChange("courts", event_id.removeprefix("e"), A_NUMBER, event_id, T0,
                        "ACTIVE", "HEARING_SCHEDULED", True, "Hearing Scheduled",
                        {"en": "Hearing scheduled", "es": "Audiencia programada"})


def _parts(tmp_path: Path, clock: FixedClock, ledger: FakeLedger, hook: Hook | None = None
           ) -> Notifications:
    store = file_store(tmp_path)
    store.ensure_account("ana", Role.APPLICANT)
    store.add_link("ana", "courts", A_NUMBER)
    # An hourly poll: what arrives sooner came by the hand-over (or a wake-up).
    return build_notifications(
        store, b"k" * 32, ledger, lambda s: f"p_{s}", AGENCIES, {}, clock,
        channels=[] if hook is None else [hook],
        settings=NotifySettings(delivery=DeliveryPolicy(poll_s=3600,
                                                        lease_s=LEASE.total_seconds())))


def _in_app(parts: Notifications, at: datetime) -> list[str]:
    return [d.id for d in parts.outbox.due(at, 10, [ChannelKind.IN_APP])]


async def test_a_running_deliverer_sends_what_it_is_handed_without_reading_it_back(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A change matched in this process reaches ana's live feed and her webhook, delivered
    and in the ledger, without the deliverer reading the notification back or unsealing
    its number."""
    ledger, hook = FakeLedger(), Hook()
    parts = _parts(tmp_path, FixedClock(T0), ledger, hook)
    parts.hub.preferences.set_preferences("ana", Preferences(
        channels=frozenset({ChannelKind.IN_APP, ChannelKind.WEBHOOK})))
    deliverer = parts.notifier.deliverer
    assert deliverer is not None
    read_back: list[Sequence[str]] = []
    reads = parts.outbox.notifications
    monkeypatch.setattr(parts.outbox, "notifications",
                        lambda ids: read_back.append(ids) or reads(ids))
    stream = parts.live.subscribe("ana")
    first = asyncio.ensure_future(stream.__anext__())
    running = asyncio.ensure_future(deliverer.run())
    try:
        for _ in range(20):  # running: its first look found nothing
            await asyncio.sleep(0.01)
        assert await asyncio.to_thread(parts.matcher.record, _change("e1")) == 1
        message = await asyncio.wait_for(first, 30)
        assert message.notification.case_number == A_NUMBER
        assert message.language == "en"
        for _ in range(3000):  # the webhook lane's round, written: at most 30 s
            stored = parts.outbox.deliveries_of(message.notification.id)
            if all(d.state == DeliveryState.DELIVERED for d in stored):
                break
            await asyncio.sleep(0.01)
    finally:
        running.cancel()
        await stream.aclose()
    assert read_back == []
    [(posted, _)] = hook.sent
    assert posted.notification == message.notification
    assert {d.channel for d in stored} == {ChannelKind.IN_APP, ChannelKind.WEBHOOK}
    assert all(d.state == DeliveryState.DELIVERED and d.ledger_at is not None
               for d in stored)
    assert [e["actor"] for e in ledger.entries if e["kind"] == "access"] == ["p_ana"] * 2


def test_new_in_app_deliveries_are_written_claimed_and_a_repeat_hands_nothing(
        tmp_path: Path) -> None:
    """Claimed for the lease (no other deliverer takes them meanwhile), due after it; the
    same change again inserts nothing and hands nothing over."""
    parts = _parts(tmp_path, FixedClock(T0), FakeLedger())
    matcher, taker = parts.matcher, Taker()
    taken = taker.taken
    matcher.hand_over_to = taker
    assert matcher.record(_change("e1")) == 1
    [handed] = taken
    assert handed.notification.case_number == A_NUMBER
    assert handed.delivery.channel == ChannelKind.IN_APP
    assert handed.delivery.next_attempt_at == T0 + LEASE
    assert _in_app(parts, T0 + LEASE - timedelta(seconds=1)) == []
    assert _in_app(parts, T0 + LEASE) == [handed.delivery.id]
    assert matcher.record(_change("e1")) == 0
    assert len(taken) == 1


async def test_a_lost_hand_over_is_delivered_once_when_its_claim_ends(tmp_path: Path) -> None:
    """The process died between the commit and sending (the hand-over never arrives): the
    delivery waits out its claim, then any deliverer sends it, once."""
    clock, ledger = FixedClock(T0), FakeLedger()
    parts = _parts(tmp_path, clock, ledger)
    deliverer = parts.notifier.deliverer
    assert deliverer is not None
    parts.matcher.hand_over_to = Taker()  # what it takes is never sent: lost
    assert parts.matcher.record(_change("e1")) == 1
    assert await deliverer.drain_once() == 0
    clock.advance(LEASE)
    assert await deliverer.drain_once() == 1
    assert await deliverer.drain_once() == 0
    assert parts.hub.inbox.unread_count("ana") == 1
    assert sum(e["kind"] == "access" for e in ledger.entries) == 1


def test_a_deliverer_that_is_not_running_is_handed_nothing(tmp_path: Path) -> None:
    """Until it runs, new deliveries are written due, for whichever deliverer looks."""
    parts = _parts(tmp_path, FixedClock(T0), FakeLedger())
    assert parts.matcher.hand_over_to is parts.notifier.deliverer
    assert parts.matcher.record(_change("e1")) == 1
    assert len(_in_app(parts, T0)) == 1


async def test_a_hand_over_whose_claim_ended_is_left_to_the_outbox(tmp_path: Path) -> None:
    """Handed over but still queued when its claim ends (a backlog longer than the lease):
    not sent from the queue, where another deliverer may already have claimed it, but
    from the outbox, claimed anew, once."""
    clock, ledger = FixedClock(T0), FakeLedger()
    parts = _parts(tmp_path, clock, ledger)
    deliverer = parts.notifier.deliverer
    assert deliverer is not None
    late = Taker()
    parts.matcher.hand_over_to = late
    assert parts.matcher.record(_change("e1")) == 1
    clock.advance(LEASE)
    claimed_anew: list[int] = []
    claim = parts.outbox.claim_many
    parts.outbox.claim_many = (  # type: ignore[method-assign]
        lambda due, now, lease: claimed_anew.append(len(due)) or claim(due, now, lease))
    deliverer.take(late.taken)
    assert await deliverer.drain_once() == 1
    assert claimed_anew == [1]
    assert await deliverer.drain_once() == 0
    assert parts.hub.inbox.unread_count("ana") == 1
    assert sum(e["kind"] == "access" for e in ledger.entries) == 1
