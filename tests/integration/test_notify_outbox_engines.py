"""The notification outbox on SQLite and PostgreSQL: matching, delivery, the inbox, and
several deliverers racing for the same due deliveries (each claimed by one)."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterator, Sequence
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
    Preferences,
    Released,
    StatusChange,
)
from aggregator.notify.runtime import Notifications, NotifySettings, build_notifications
from aggregator.store import Store, make_engine
from caseline.v1.lib.scopes import Scope
from support.databases import fresh_database_url
from support.fakes import FakeLedger
from support.sealing import MemorySealer

pytestmark = pytest.mark.integration

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
A_NUMBER = "A201555123"
AGENCIES = {"courts": AgencyInfo("courts", "EOIR", "EOIR (es)", Scope.IDENTITY)}


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """A fresh store on each engine (PostgreSQL in a throwaway schema)."""
    with fresh_database_url(request.param, tmp_path) as url:
        instance = Store(make_engine(url), MemorySealer(), b"r" * 32)
        try:
            yield instance
        finally:
            instance.close()


class Recorder:
    """A webhook-like channel recording the ids it sent."""

    kind = ChannelKind.WEBHOOK

    def __init__(self) -> None:
        self.sent: list[str] = []

    def targets(self, recipient_id: str) -> Sequence[str]:
        return ["https://receiver.test/hook"]

    async def deliver(self, message: Released, delivery: Delivery) -> None:
        await asyncio.sleep(0.001)
        self.sent.append(message.id)


def _parts(store: Store, channel: Recorder, *, deliver: bool = True) -> Notifications:
    return build_notifications(store, b"r" * 32, FakeLedger(), lambda s: f"p_{s}", AGENCIES,
                               {}, lambda: NOW, channels=[channel],
                               settings=NotifySettings(watch=False, deliver=deliver,
                                                       delivery=DeliveryPolicy(batch=10)))


def _change(i: int) -> StatusChange:
    return StatusChange("courts", str(i), A_NUMBER, f"e{i}", NOW + timedelta(minutes=i),
                        "ACTIVE", "HEARING_SCHEDULED", True, "MASTER HEARING SCHEDULED",
                        {"en": "Hearing scheduled", "es": "Audiencia programada"})


def _world(store: Store) -> None:
    store.ensure_account("ana", Role.APPLICANT)
    store.ensure_account("lee", Role.REPRESENTATIVE)
    store.add_link("ana", "courts", A_NUMBER)
    store.add_consent_version(ConsentRecord(
        id="c1", version=1, subject_id="ana", grantee_id="lee", agencies=("courts",),
        scopes=(Scope.STATUS,), purpose_code=Purpose.LEGAL_REPRESENTATION,
        purpose_text="lawyer", valid_from=NOW - timedelta(days=1),
        valid_until=NOW + timedelta(days=30), state=ConsentState.ACTIVE,
        created_at=NOW - timedelta(days=1)))


async def test_matched_delivered_and_listed_on_each_engine(store: Store) -> None:
    """Ana and lee each get the hearing; lee's number masked; pages, counts, marking read."""
    _world(store)
    parts = _parts(store, Recorder())
    assert parts.matcher.record(_change(1)) == 2
    assert parts.matcher.record(_change(1)) == 0
    assert parts.notifier.deliverer is not None
    await parts.notifier.deliverer.drain_once()
    inbox = parts.hub.inbox
    [mine] = inbox.page("ana", 5).items
    [lees] = inbox.page("lee", 5).items
    assert mine.case_number == A_NUMBER and lees.case_number.endswith("5123")
    assert lees.case_number != A_NUMBER
    assert inbox.mark_read("ana", [mine.id, lees.id]) == [mine.id]
    assert (inbox.unread_count("ana"), inbox.unread_count("lee")) == (0, 1)


async def test_racing_deliverers_send_each_delivery_once(store: Store) -> None:
    """Three deliverers drain the same outbox at once: every webhook sent exactly once."""
    _world(store)
    writer = _parts(store, Recorder(), deliver=False)
    writer.hub.preferences.set_preferences("ana", Preferences(
        frozenset({ChannelKind.WEBHOOK})))
    for i in range(30):
        writer.matcher.record(_change(i))
    channels = [Recorder() for _ in range(3)]
    deliverers = [_parts(store, c).notifier.deliverer for c in channels]

    async def drain(deliverer: object) -> None:
        while await deliverer.drain_once():  # type: ignore[attr-defined]
            pass

    await asyncio.gather(*(drain(d) for d in deliverers))
    sent = Counter(i for c in channels for i in c.sent)
    assert len(sent) == 30 and set(sent.values()) == {1}
    assert sum(1 for c in channels if c.sent) >= 1
