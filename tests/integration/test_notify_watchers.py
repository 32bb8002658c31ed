"""Notifications over real reference adapters in their own processes: a change recorded in
an agency's store reaches ana's inbox through the watcher, matcher, outbox and deliverer;
an adapter outage longer than the watcher's longest backoff loses nothing."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TypeVar

import orjson
import pytest
from sqlalchemy import select

from adapters.reference.demo_store import DemoStore
from adapters.sdk.records import EventRecord
from aggregator.bootstrap import bootstrap
from aggregator.consent.service import GrantRequest
from aggregator.consent.vocabulary import ConsentState, Role
from aggregator.ledger.storage import EntryFilter
from aggregator.notify.delivery import DeliveryPolicy
from aggregator.notify.model import DeliveryState
from aggregator.notify.runtime import (
    Notifications,
    Notifier,
    NotifySettings,
    build_notifications,
)
from aggregator.notify.tables import deliveries, notifications
from aggregator.notify.watcher import ChangeSource, WatchPolicy
from aggregator.notify.wire import JetStreamSettings
from aggregator.service import CaselineService
from aggregator.state import StatePaths
from caseline.v1.lib.scopes import Scope
from deploy.processes.launcher import (
    AdapterProcess,
    await_ready_line,
    registry_with,
    spawn_logged,
    start_adapter,
    stop_adapters,
)
from support.nats_bus import unique_stream
from support.world import seed_world

pytestmark = pytest.mark.integration

TODAY = date(2026, 11, 1)
ANA_RECEIPT = "IOE0990000001"
ANA_A_NUMBER = "A201555123"
MAX_BACKOFF_S = 0.4
T = TypeVar("T")


@dataclass
class Running:
    root: Path
    stores: dict[str, Path]
    adapters: dict[str, AdapterProcess]
    service: CaselineService

    @property
    def notifier(self) -> Notifier:
        assert self.service.notify is not None
        runner = self.service.notify.runner
        assert isinstance(runner, Notifier)
        return runner

    def prime(self, agency_id: str) -> None:
        """Give the watcher a stored cursor at the store's newest change (as after its first
        change), so what the test records next is read from there on."""
        cursor = DemoStore(self.stores[agency_id]).latest_cursor()
        self.notifier.outbox.set_cursor(agency_id, str(cursor), datetime.now(UTC))

    def record(self, agency_id: str, number: str, code: str) -> int:
        """The agency records a new status for a case in its own system."""
        return DemoStore(self.stores[agency_id]).append_event(
            number, EventRecord(datetime.now(UTC), code, f"{code} (test)"))

    def inbox_events(self, recipient: str) -> list[tuple[str, str]]:
        assert self.service.notify is not None
        page = self.service.notify.inbox.page(recipient, 100)
        return [(n.agency_id, n.case_number) for n in page.items]


async def eventually(probe: Callable[[], T], done: Callable[[T], bool],
                     timeout_s: float = 30.0) -> T:
    """Poll ``probe`` until ``done`` says so; the last value either way."""
    deadline = time.monotonic() + timeout_s
    value = probe()
    while not done(value) and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
        value = probe()
    return value


@pytest.fixture(params=["embedded", "nats"])
async def running(tmp_path: Path, request: pytest.FixtureRequest) -> AsyncIterator[Running]:
    """The three adapters over fresh seeded stores; a service whose watchers back off at
    most MAX_BACKOFF_S and whose deliverer polls often. 'embedded': the watchers write the
    outbox; 'nats': they publish to a JetStream stream of the test's own, matched from it."""
    async with AsyncExitStack() as stack:
        nats = (await stack.enter_async_context(unique_stream())
                if request.param == "nats" else None)
        async for value in _running(tmp_path, nats):
            yield value


async def _running(tmp_path: Path, nats: JetStreamSettings | None, *,
                   prime: bool = True) -> AsyncIterator[Running]:
    stores = seed_world(tmp_path, cases=20, seed=7, today=TODAY)
    jwks = StatePaths(tmp_path).jwks
    adapters = {a: await start_adapter(a, path, jwks, tmp_path / f"{a}.log")
                for a, path in stores.items()}
    service = bootstrap(registry_with({a: p.port for a, p in adapters.items()}), tmp_path,
                        notify=NotifySettings(
                            nats=nats, watch_policy=WatchPolicy(0.05, MAX_BACKOFF_S),
                            delivery=DeliveryPolicy(poll_s=0.05, lease_s=5)))
    service.store.set_language("ana", "es")
    for who, role in (("ana", Role.APPLICANT), ("lee", Role.REPRESENTATIVE)):
        service.store.ensure_account(who, role)
    running = Running(tmp_path, stores, adapters, service)
    for agency_id in stores if prime else ():
        running.prime(agency_id)
    await running.notifier.start()
    try:
        yield running
    finally:
        await service.close()
        await stop_adapters(list(adapters.values()))


async def test_recorded_change_reaches_ana_in_app_with_an_access_entry(
        running: Running) -> None:
    """A new RFE at immigration and a hearing at the court: both in ana's inbox, newest
    first, titles in Spanish, each delivery an access in the ledger."""
    before = running.service.ledger.size
    running.record("immigration", ANA_RECEIPT, "Request for Evidence Was Sent")
    running.record("courts", ANA_A_NUMBER, "MASTER HEARING SCHEDULED")
    events = await eventually(lambda: running.inbox_events("ana"), lambda e: len(e) >= 2)
    assert sorted(events) == [("courts", ANA_A_NUMBER), ("immigration", ANA_RECEIPT)]
    assert running.service.notify is not None
    items = running.service.notify.inbox.page("ana", 10).items
    assert {n.titles.get("es", "") != "" for n in items} == {True}
    ana = running.service.pseudonym("ana")
    rows = running.service.ledger.store.find(EntryFilter(kind="access", subject=ana,
                                                         actor=ana, limit=100))
    reads = [orjson.loads(r.leaf) for r in rows if r.index >= before]
    assert sorted(tuple(r["agencies"]) for r in reads) == [("courts",), ("immigration",)]


async def test_adapter_down_longer_than_the_longest_backoff_loses_nothing(
        running: Running) -> None:
    """The court's adapter stops; three changes are recorded while it is down, for longer
    than the watcher's longest wait; restarted on its port, all of them arrive, once."""
    running.record("courts", ANA_A_NUMBER, "MASTER HEARING SCHEDULED")
    await eventually(lambda: running.inbox_events("ana"), lambda e: len(e) == 1)
    courts = running.adapters["courts"]
    await stop_adapters([courts])
    for code in ("HEARING CANCELLED", "MASTER HEARING SCHEDULED", "INDIVIDUAL HEARING SCHEDULED"):
        running.record("courts", ANA_A_NUMBER, code)
    await asyncio.sleep(MAX_BACKOFF_S * 5)
    assert running.inbox_events("ana") == [("courts", ANA_A_NUMBER)]  # nothing while down
    process = await spawn_logged(courts.command, running.root / "courts-again.log")
    await await_ready_line(process, running.root / "courts-again.log", "courts", "port")
    courts.process = process
    events = await eventually(lambda: running.inbox_events("ana"), lambda e: len(e) >= 4)
    assert events == [("courts", ANA_A_NUMBER)] * 4
    watcher = next(w for w in running.notifier.watchers if w.agency_id == "courts")
    assert watcher.reconnects >= 2


@pytest.fixture
async def first_start(tmp_path: Path) -> AsyncIterator[Running]:
    """As ``running`` (embedded), but the watchers have no stored cursor: a first start."""
    async for value in _running(tmp_path, None, prime=False):
        yield value


async def test_a_change_while_down_before_the_first_change_is_not_lost(
        first_start: Running) -> None:
    """A watcher's first start stores where the court's changes stand (Describe's
    change_cursor) before any change arrives; the adapter goes down, a hearing is recorded,
    the adapter comes back: the hearing reaches ana."""
    running = first_start
    store_cursor = DemoStore(running.stores["courts"]).latest_cursor()
    stored = await eventually(lambda: running.notifier.outbox.cursor("courts"),
                              lambda c: c is not None)
    assert stored == str(store_cursor)  # from Describe, before any change was read
    courts = running.adapters["courts"]
    await stop_adapters([courts])
    running.record("courts", ANA_A_NUMBER, "MASTER HEARING SCHEDULED")
    await asyncio.sleep(MAX_BACKOFF_S * 3)
    process = await spawn_logged(courts.command, running.root / "courts-again.log")
    await await_ready_line(process, running.root / "courts-again.log", "courts", "port")
    courts.process = process
    events = await eventually(lambda: running.inbox_events("ana"), lambda e: len(e) >= 1)
    assert events == [("courts", ANA_A_NUMBER)]


async def test_lee_gets_what_his_consent_covers_and_nothing_after_revocation(
        running: Running) -> None:
    """Lee (STATUS at the court) gets ana's hearing with the A-number masked; once ana
    revokes, the next change reaches only her."""
    change = await running.service.consents.grant("ana", GrantRequest(
        grantee_id="lee", agencies=["courts"], scopes=[Scope.STATUS], purpose="my lawyer",
        valid_until=datetime.now(UTC) + timedelta(days=30)))
    running.record("courts", ANA_A_NUMBER, "MASTER HEARING SCHEDULED")
    lees = await eventually(lambda: running.inbox_events("lee"), lambda e: len(e) == 1)
    [(agency, shown)] = lees
    assert agency == "courts" and shown != ANA_A_NUMBER and shown.endswith(ANA_A_NUMBER[-4:])
    await running.service.consents.change("ana", change.record.id, ConsentState.REVOKED)
    running.record("courts", ANA_A_NUMBER, "HEARING CANCELLED")
    await eventually(lambda: running.inbox_events("ana"), lambda e: len(e) == 2)
    assert running.inbox_events("lee") == []  # hidden now, and nothing new


async def test_revocation_between_change_and_delivery_skips_the_grantee(
        running: Running) -> None:
    """Matched while lee's consent held, delivered after ana revoked it: SKIPPED, no
    access recorded for lee, nothing in his inbox."""
    await running.notifier.stop()
    service = running.service

    def parts(settings: NotifySettings) -> Notifications:
        return build_notifications(
            service.store, b"k" * 32, service.ledger, service.pseudonym, service.agencies,
            {a: c for a, c in service.adapters.items() if isinstance(c, ChangeSource)},
            lambda: datetime.now(UTC), settings=settings)

    change = await service.consents.grant("ana", GrantRequest(
        grantee_id="lee", agencies=["courts"], scopes=[Scope.STATUS], purpose="my lawyer",
        valid_until=datetime.now(UTC) + timedelta(days=30)))
    # Only the watchers run (no deliverer): the change waits in the outbox.
    watching = parts(NotifySettings(deliver=False, watch_policy=WatchPolicy(0.05, 0.4)))
    await watching.notifier.start()
    try:
        running.record("courts", ANA_A_NUMBER, "MASTER HEARING SCHEDULED")

        def for_lee() -> list[str]:
            with service.store.engine.connect() as conn:
                return [r.id for r in conn.execute(select(deliveries.c.id).join(
                    notifications, notifications.c.id == deliveries.c.notification_id).where(
                    notifications.c.recipient_id == "lee"))]

        await eventually(for_lee, bool)
    finally:
        await watching.notifier.stop()
    await service.consents.change("ana", change.record.id, ConsentState.REVOKED)
    lee = service.pseudonym("lee")
    size = service.ledger.size
    deliverer = parts(NotifySettings(watch=False)).notifier.deliverer
    assert deliverer is not None
    await deliverer.drain_once()
    [lees] = for_lee()
    skipped = watching.outbox.delivery(lees)
    assert skipped is not None and skipped.state == DeliveryState.SKIPPED
    rows = service.ledger.store.find(EntryFilter(kind="access", actor=lee, limit=100))
    assert [r for r in rows if r.index >= size] == []
    assert running.inbox_events("lee") == []
    assert running.inbox_events("ana") == [("courts", ANA_A_NUMBER)]
