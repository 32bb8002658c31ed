"""The notification outbox on SQLite and PostgreSQL: matching, delivery, the inbox, and
several deliverers racing for the same due deliveries (each claimed by one); alerts written
once by two schedulers; a table from before alerts gaining their columns."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import inspect, select, text

from aggregator.consent.records import ConsentRecord
from aggregator.consent.vocabulary import ConsentState, Purpose, Role
from aggregator.migrations import SchemaBehind
from aggregator.migrations import upgrade as migrate
from aggregator.model import AgencyInfo
from aggregator.notify.alerts import SubjectFacts
from aggregator.notify.delivery import DeliveryPolicy
from aggregator.notify.model import (
    AlertDetails,
    ChannelKind,
    Delivery,
    NotificationKind,
    Preferences,
    Released,
    StatusChange,
    notification_id,
)
from aggregator.notify.runtime import Notifications, NotifySettings, build_notifications
from aggregator.notify.tables import create_tables, deliveries
from aggregator.processing.model import Deadline, DeadlineKind, DeadlineParty, DeadlineState
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


async def test_each_delivery_is_ledgered_once_and_marked_so(store: Store) -> None:
    """In-app and webhook deliveries alike: one access entry each in the ledger, and the
    delivery marked as having it (a retry must not record the access again)."""
    _world(store)
    ledger = FakeLedger()
    parts = build_notifications(store, b"r" * 32, ledger, lambda s: f"p_{s}", AGENCIES, {},
                                lambda: NOW, channels=[Recorder()],
                                settings=NotifySettings(watch=False, deliver=True,
                                                        delivery=DeliveryPolicy(batch=10)))
    parts.hub.preferences.set_preferences("ana", Preferences(frozenset({ChannelKind.WEBHOOK})))
    parts.matcher.record(_change(1))
    assert parts.notifier.deliverer is not None
    await parts.notifier.deliverer.drain_once()
    with store.engine.connect() as conn:
        rows = conn.execute(select(deliveries.c.channel, deliveries.c.state,
                                   deliveries.c.ledger_at)).all()
    assert sorted((r.channel, r.state) for r in rows) == [
        ("in_app", "delivered"), ("in_app", "delivered"), ("webhook", "delivered")]
    assert all(r.ledger_at is not None for r in rows)
    assert len(ledger.entries) == 3


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


class _Facts:
    """ana's BIA appeal window, 7 days from NOW."""

    async def facts(self, subject_id: str, today: date) -> SubjectFacts:
        return SubjectFacts((Deadline(
            DeadlineKind.BIA_APPEAL, today + timedelta(days=7), DeadlineState.RUNNING,
            DeadlineParty.APPLICANT, "8 CFR 1003.38(b)", {"en": "30 days to appeal"},
            "courts", A_NUMBER),))


async def test_alerts_are_written_once_and_read_back_on_each_engine(store: Store) -> None:
    """Two schedulers (two replicas) over one outbox: ana's 7-day alert once; lee (STATUS
    only) is not told a due date; the details come back opened."""
    _world(store)
    parts = [build_notifications(store, b"r" * 32, FakeLedger(), lambda s: f"p_{s}",
                                 AGENCIES, {}, lambda: NOW, settings=NotifySettings(
                                     watch=False), facts=_Facts()) for _ in range(2)]
    written = await asyncio.gather(*(p.alerts.run_once() for p in parts if p.alerts))
    assert sorted(written) == [0, 1]
    assert parts[0].notifier.deliverer is not None
    await parts[0].notifier.deliverer.drain_once()
    [alert] = parts[0].hub.inbox.page("ana", 5).items
    assert (alert.kind, alert.alert) == (NotificationKind.DEADLINE_7, AlertDetails(
        NOW.date() + timedelta(days=7), "BIA_APPEAL", "8 CFR 1003.38(b)"))
    assert parts[0].hub.inbox.page("lee", 5).items == ()


def test_a_table_from_before_alerts_gains_their_columns_on_each_engine(store: Store) -> None:
    """The notification table without the alert columns (as written before them, so before
    migrations too): the migration adds them — when the outbox opens on SQLite, by `caseline
    migrate` on PostgreSQL — and a change written before reads back as a change."""
    _world(store)
    parts = _parts(store, Recorder(), deliver=False)
    assert parts.matcher.record(_change(1)) == 2
    with store.engine.begin() as conn:
        conn.execute(text("ALTER TABLE notify_notifications DROP COLUMN kind"))
        conn.execute(text("ALTER TABLE notify_notifications DROP COLUMN alert_sealed"))
        conn.execute(text("DROP TABLE alembic_version"))
    reopened = make_engine(store.url)  # a process starting on the old database
    try:
        if reopened.dialect.name == "postgresql":
            with pytest.raises(SchemaBehind):
                create_tables(reopened)
            migrate(reopened)
        create_tables(reopened)
    finally:
        reopened.dispose()
    again = _parts(store, Recorder(), deliver=False)
    columns = {c["name"] for c in inspect(store.engine).get_columns("notify_notifications")}
    assert {"kind", "alert_sealed"} <= columns
    stored = again.outbox.notifications([notification_id("courts", "e1", A_NUMBER, "ana")])
    [told] = [s.notification for s in stored.values()]
    assert told is not None and (told.kind, told.alert) == (NotificationKind.CHANGE, None)
