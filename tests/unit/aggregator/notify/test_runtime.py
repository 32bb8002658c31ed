"""The notification core over an in-memory store and ledger: matcher, outbox, deliverer,
inbox, live feed — consent decided at matching, at delivery and at reading."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from aggregator.consent.records import ConsentRecord
from aggregator.consent.vocabulary import ConsentState, Purpose, Role
from aggregator.model import AgencyInfo
from aggregator.notify.delivery import DeliveryPolicy
from aggregator.notify.model import (
    ChannelKind,
    Delivery,
    DeliveryError,
    DeliveryState,
    Preferences,
    Released,
    StatusChange,
    notification_id,
)
from aggregator.notify.runtime import Notifications, NotifySettings, build_notifications
from aggregator.store import Store
from caseline.v1.lib.scopes import Scope
from support.fakes import FakeLedger, FixedClock, file_store

T0 = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
A_NUMBER = "A123456789"
RECEIPT = "IOE0990000001"
AGENCIES = {"courts": AgencyInfo("courts", "EOIR", "EOIR (es)", Scope.IDENTITY),
            "immigration": AgencyInfo("immigration", "USCIS", "USCIS (es)")}


class Recorder:
    """A webhook-like channel that records what it sent, or fails as told."""

    kind = ChannelKind.WEBHOOK

    def __init__(self) -> None:
        self.sent: list[Released] = []
        self.failure: DeliveryError | None = None

    def targets(self, recipient_id: str) -> Sequence[str]:
        return [f"https://{recipient_id}.example/hook"]

    async def deliver(self, message: Released, delivery: Delivery) -> None:
        if self.failure is not None:
            raise self.failure
        self.sent.append(message)


@dataclasses.dataclass
class World:
    store: Store
    ledger: FakeLedger
    clock: FixedClock
    channel: Recorder
    parts: Notifications

    def change(self, event_id: str, agency: str = "courts",
               number: str = A_NUMBER) -> StatusChange:
        return StatusChange(agency, event_id.removeprefix("e"), number, event_id, T0,
                            "ACTIVE", "HEARING_SCHEDULED", True, "Hearing Scheduled",
                            {"en": "Hearing scheduled", "es": "Audiencia programada"})

    async def drain(self) -> int:
        deliverer = self.parts.notifier.deliverer
        assert deliverer is not None
        return await deliverer.drain_once()

    def states(self, recipient: str) -> dict[ChannelKind, DeliveryState]:
        outbox = self.parts.outbox
        with outbox.engine.connect() as conn:
            from sqlalchemy import select

            from aggregator.notify.tables import deliveries, notifications
            rows = conn.execute(select(deliveries.c.channel, deliveries.c.state).join(
                notifications, notifications.c.id == deliveries.c.notification_id).where(
                notifications.c.recipient_id == recipient)).all()
        return {ChannelKind(r.channel): DeliveryState(r.state) for r in rows}

    def consent(self, state: ConsentState = ConsentState.ACTIVE, version: int = 1,
                scopes: tuple[Scope, ...] = (Scope.STATUS,)) -> None:
        self.store.add_consent_version(ConsentRecord(
            id="c1", version=version, subject_id="ana", grantee_id="lee",
            agencies=("courts", "immigration"), scopes=scopes,
            purpose_code=Purpose.LEGAL_REPRESENTATION, purpose_text="lawyer",
            valid_from=T0 - timedelta(days=1), valid_until=T0 + timedelta(days=30),
            state=state, created_at=self.clock()))


@pytest.fixture
def world(tmp_path: Path) -> World:
    store = file_store(tmp_path)
    store.ensure_account("ana", Role.APPLICANT)
    store.ensure_account("lee", Role.REPRESENTATIVE)
    store.set_language("ana", "es")
    store.add_link("ana", "courts", A_NUMBER)
    store.add_link("ana", "immigration", RECEIPT)
    ledger, clock, channel = FakeLedger(), FixedClock(T0), Recorder()
    parts = build_notifications(
        store, b"k" * 32, ledger, lambda s: f"p_{s}", AGENCIES, {}, clock,
        channels=[channel], settings=NotifySettings(delivery=DeliveryPolicy(
            max_attempts=3, base_backoff_s=10, max_backoff_s=60, lease_s=30)))
    return World(store, ledger, clock, channel, parts)


async def test_change_reaches_ana_in_spanish_and_lee_masked(world: World) -> None:
    """Ana gets her courts change whole, in Spanish; lee (STATUS only) sees it masked."""
    world.consent()
    assert world.parts.matcher.record(world.change("e1")) == 2
    assert await world.drain() == 2  # in-app to each; webhooks are off by default
    hub = world.parts.hub
    mine = hub.inbox.page("ana", 10).items
    assert [(n.case_number, n.titles["es"]) for n in mine] == [(A_NUMBER,
                                                                "Audiencia programada")]
    lees = hub.inbox.page("lee", 10).items
    assert len(lees) == 1 and lees[0].case_number != A_NUMBER
    assert lees[0].case_number.endswith("6789")
    assert (hub.inbox.unread_count("ana"), hub.inbox.unread_count("lee")) == (1, 1)


async def test_repeated_change_inserts_nothing(world: World) -> None:
    """The same change twice (a stream repeating itself): one notification."""
    assert world.parts.matcher.record(world.change("e1")) == 1
    assert world.parts.matcher.record(world.change("e1")) == 0
    await world.drain()
    assert len(world.parts.hub.inbox.page("ana", 10).items) == 1


async def test_each_delivery_is_an_access_in_the_ledger(world: World) -> None:
    """Delivering in-app records one ALLOW access per notification, before sending: ana's
    with IDENTITY (her A-number is shown whole), lee's STATUS only (masked)."""
    world.consent()
    world.parts.matcher.record(world.change("e1"))
    await world.drain()
    access = [e for e in world.ledger.entries if e["kind"] == "access"]
    assert sorted((e["actor"], e["subject"], tuple(e["scopes"]), e["consent"])
                  for e in access) == [("p_ana", "p_ana", ("IDENTITY", "STATUS"), "self"),
                                       ("p_lee", "p_ana", ("STATUS",), "c1")]


async def test_revoked_between_change_and_delivery_is_skipped(world: World) -> None:
    """Lee's consent revoked after matching: his delivery is SKIPPED, nothing recorded."""
    world.consent()
    world.parts.matcher.record(world.change("e1"))
    world.consent(ConsentState.REVOKED, version=2)
    await world.drain()
    assert world.states("lee") == {ChannelKind.IN_APP: DeliveryState.SKIPPED}
    assert world.states("ana") == {ChannelKind.IN_APP: DeliveryState.DELIVERED}
    assert world.parts.hub.inbox.page("lee", 10).items == ()
    assert [e["actor"] for e in world.ledger.entries if e["kind"] == "access"] == ["p_ana"]


async def test_revoked_consent_hides_delivered_ones_from_the_grantee(world: World) -> None:
    """Delivered to lee, then revoked: his list and count no longer show it."""
    world.consent()
    world.parts.matcher.record(world.change("e1"))
    await world.drain()
    world.consent(ConsentState.REVOKED, version=2)
    assert world.parts.hub.inbox.page("lee", 10).items == ()
    assert world.parts.hub.inbox.unread_count("lee") == 0


async def test_webhook_failures_retry_then_go_dead_and_replay(world: World) -> None:
    """A failing channel backs off, goes DEAD after its attempts; replay makes it due."""
    world.parts.hub.preferences.set_preferences("ana", Preferences(
        frozenset({ChannelKind.IN_APP, ChannelKind.WEBHOOK})))
    world.channel.failure = DeliveryError("HTTP 500")
    world.parts.matcher.record(world.change("e1"))
    for _ in range(3):
        await world.drain()
        world.clock.advance(timedelta(minutes=5))
    assert world.states("ana")[ChannelKind.WEBHOOK] == DeliveryState.DEAD
    outbox = world.parts.outbox
    [dead] = outbox.dead_letters(10)
    assert (dead.attempts, dead.last_error) == (3, "HTTP 500")
    assert outbox.replay(dead.id, world.clock())
    world.channel.failure = None
    await world.drain()
    assert world.states("ana")[ChannelKind.WEBHOOK] == DeliveryState.DELIVERED
    assert [m.id for m in world.channel.sent] == [dead.notification_id]


async def test_permanent_refusal_is_dead_at_once(world: World) -> None:
    """A receiver that refuses for good is not retried."""
    world.parts.hub.preferences.set_preferences("ana", Preferences(
        frozenset({ChannelKind.WEBHOOK})))
    world.channel.failure = DeliveryError("410 Gone", permanent=True)
    world.parts.matcher.record(world.change("e1"))
    await world.drain()
    assert world.states("ana")[ChannelKind.WEBHOOK] == DeliveryState.DEAD


async def test_failed_attempt_waits_before_the_next(world: World) -> None:
    """After one failure nothing is due until the backoff has passed."""
    world.parts.hub.preferences.set_preferences("ana", Preferences(
        frozenset({ChannelKind.WEBHOOK})))
    world.channel.failure = DeliveryError("timeout")
    world.parts.matcher.record(world.change("e1"))
    assert await world.drain() == 2
    assert await world.drain() == 0


async def test_erased_subject_notifications_are_skipped_and_hidden(world: World) -> None:
    """After ana's key is shredded nothing of hers is sent or listed, and nothing crashes."""
    world.parts.matcher.record(world.change("e1"))
    await world.drain()
    world.parts.matcher.record(world.change("e2"))
    world.store.sealer.keys.pop("ana")  # type: ignore[attr-defined]
    world.store.mark_erased("ana", world.clock())
    await world.drain()
    [skipped] = world.parts.outbox.deliveries_of(notification_id("courts", "e2", A_NUMBER,
                                                                 "ana"))
    assert (skipped.state, skipped.last_error) == (DeliveryState.SKIPPED, "SUBJECT_ERASED")
    assert world.parts.hub.inbox.page("ana", 10).items == ()
    assert world.parts.hub.inbox.unread_count("ana") == 0


async def test_mark_read_touches_only_the_recipients_own(world: World) -> None:
    """Lee cannot mark ana's notification read; ana can."""
    world.parts.matcher.record(world.change("e1"))
    await world.drain()
    [mine] = world.parts.hub.inbox.page("ana", 10).items
    assert world.parts.hub.inbox.mark_read("lee", [mine.id]) == []
    assert world.parts.hub.inbox.unread_count("ana") == 1
    assert world.parts.hub.inbox.mark_read("ana", [mine.id, "nope"]) == [mine.id]
    assert world.parts.hub.inbox.unread_count("ana") == 0


async def test_pages_are_newest_first_and_continue_after_the_cursor(world: World) -> None:
    """Three changes, pages of two: newest first, then the last one, no repeats."""
    for i in range(3):
        change = dataclasses.replace(world.change(f"e{i}"),
                                     occurred_at=T0 + timedelta(hours=i))
        world.parts.matcher.record(change)
    await world.drain()
    inbox = world.parts.hub.inbox
    first = inbox.page("ana", 2)
    assert [n.event_id for n in first.items] == ["e2", "e1"] and first.has_next_page
    rest = inbox.page("ana", 2, first.end_cursor)
    assert [n.event_id for n in rest.items] == ["e0"] and not rest.has_next_page


async def test_live_feed_gets_each_in_app_delivery_once(world: World) -> None:
    """A listener for ana gets her delivery, released in Spanish, once."""
    stream = world.parts.live.subscribe("ana")
    first = asyncio.ensure_future(stream.__anext__())
    await asyncio.sleep(0)
    world.parts.matcher.record(world.change("e1"))
    await world.drain()
    message = await asyncio.wait_for(first, 5)
    assert (message.language, message.title) == ("es", "Audiencia programada")
    await world.parts.live.poll()  # the row is seen by polling too: not given again
    assert world.parts.live._listeners["ana"].pop().empty()
    await stream.aclose()


async def test_preferences_round_trip_keep_in_app_on(world: World) -> None:
    """Stored preferences come back; in-app cannot be turned off."""
    store = world.parts.hub.preferences
    assert store.preferences("raj") == Preferences()
    store.set_preferences("raj", Preferences(frozenset({ChannelKind.EMAIL}),
                                             frozenset({"labor"}), True, True))
    assert store.preferences("raj") == Preferences(
        frozenset({ChannelKind.EMAIL, ChannelKind.IN_APP}), frozenset({"labor"}), True, True)


async def test_matcher_wakes_the_deliverer_in_this_process(tmp_path: Path) -> None:
    """A deliverer that would poll only hourly still delivers a change matched in this
    process (from the watcher's thread) at once: the matcher wakes it on commit."""
    store = file_store(tmp_path)
    store.ensure_account("ana", Role.APPLICANT)
    store.add_link("ana", "courts", A_NUMBER)
    parts = build_notifications(
        store, b"k" * 32, FakeLedger(), lambda s: f"p_{s}", AGENCIES, {}, FixedClock(T0),
        settings=NotifySettings(delivery=DeliveryPolicy(poll_s=3600)))
    deliverer = parts.notifier.deliverer
    assert deliverer is not None
    stream = parts.live.subscribe("ana")
    first = asyncio.ensure_future(stream.__anext__())
    running = asyncio.ensure_future(deliverer.run())
    try:
        for _ in range(20):  # its first look found nothing: it now waits for a wake-up
            await asyncio.sleep(0.01)
        change = StatusChange("courts", "1", A_NUMBER, "e1", T0, "ACTIVE",
                              "HEARING_SCHEDULED", True, "Hearing Scheduled",
                              {"en": "Hearing scheduled"})
        assert await asyncio.to_thread(parts.matcher.record, change) == 1
        message = await asyncio.wait_for(first, 30)  # not the hour the poll would take
        assert message.notification.case_number == A_NUMBER
    finally:
        running.cancel()
        await stream.aclose()


async def test_a_batch_is_recorded_in_the_ledger_before_anything_is_sent(
        world: World) -> None:
    """Several changes matched as one batch (one a repeat of the case's previous event
    in the same batch): one notification each per recipient; every webhook sent only once
    its access entry is in the ledger; a retried delivery records no second entry."""
    world.consent()
    world.parts.hub.preferences.set_preferences("lee", Preferences(
        channels=frozenset({ChannelKind.IN_APP, ChannelKind.WEBHOOK})))
    changes = [world.change("e1"), world.change("e1"),
               world.change("e2", "immigration", RECEIPT), world.change("e3")]
    assert world.parts.matcher.record_batch(changes) == 6  # 3 events x (ana, lee)
    on_record: list[int] = []
    deliver = world.channel.deliver

    async def checking(message: Released, delivery: Delivery) -> None:
        on_record.append(sum(e["kind"] == "access" and e["actor"] == "p_lee"
                             and e["subject"] == "p_ana" for e in world.ledger.entries))
        world.channel.failure = DeliveryError("busy") if len(on_record) == 1 else None
        await deliver(message, delivery)

    world.channel.deliver = checking  # type: ignore[method-assign]
    assert await world.drain() == 9  # 6 in-app, 3 webhooks (one fails)
    assert len(world.channel.sent) == 2 and on_record == [6, 6, 6]
    world.clock.advance(timedelta(minutes=5))
    assert await world.drain() == 1
    assert len(world.channel.sent) == 3
    access = [e for e in world.ledger.entries if e["kind"] == "access"]
    assert len(access) == 9  # one per delivery, none again for the retry
