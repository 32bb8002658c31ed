"""Every way out, end to end, over real reference adapters in their own processes: a change
recorded at each agency reaches ana (who reads Spanish) in-app, by a signed webhook and by
e-mail (the demo's SMTP sink); a receiver answering 500 gets retries, then a dead letter an
operator lists and replays with `caseline notify`. On both engines (support.notify_engines):
embedded (SQLite, no NATS) and nats-postgres (JetStream and PostgreSQL)."""

from __future__ import annotations

import asyncio
import contextlib
import email
import email.policy
import json
import sqlite3
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TypeVar

import pytest
from click.testing import CliRunner

from adapters.reference.catalog import REFERENCE_AGENCIES, synthetic
from adapters.reference.demo_store import DemoStore
from adapters.sdk.records import EventRecord
from aggregator.bootstrap import bootstrap, open_state_vault
from aggregator.notify.delivery import DeliveryPolicy
from aggregator.notify.email.setup import email_addresses, email_secret, seed_persona_email
from aggregator.notify.model import ChannelKind, DeliveryState, Preferences
from aggregator.notify.runtime import Notifier, NotifySettings
from aggregator.notify.watcher import WatchPolicy
from aggregator.notify.webhooks import WebhookSettings
from aggregator.service import CaselineService
from aggregator.state import StatePaths
from deploy.cli import main
from deploy.demo.mail import demo_email_settings
from deploy.demo.mail_sink import MailSink
from deploy.processes.launcher import AdapterProcess, registry_with, start_adapter, stop_adapters
from support.notify_engines import ENGINES, NotifyEngine, notify_engine
from support.webhook_receiver import WebhookReceiver, webhook_receiver
from support.world import seed_world

pytestmark = pytest.mark.integration

TODAY = date(2026, 11, 1)
MAX_ATTEMPTS = 3
T = TypeVar("T")
# One new status per agency, in the agency's own words.
CHANGES = {"immigration": "Request for Evidence Was Sent", "labor": "RFI ISSUED",
           "courts": "MASTER HEARING SCHEDULED"}


@dataclass
class World:
    root: Path
    engine: NotifyEngine
    stores: dict[str, Path]
    numbers: dict[str, str]  # ana's case at each agency
    service: CaselineService
    receiver: WebhookReceiver
    sink: MailSink

    @property
    def notifier(self) -> Notifier:
        assert self.service.notify is not None
        runner = self.service.notify.runner
        assert isinstance(runner, Notifier)
        return runner

    def record(self, agency_id: str, code: str) -> None:
        """The agency records a new status for ana's case in its own system."""
        DemoStore(self.stores[agency_id]).append_event(
            self.numbers[agency_id], EventRecord(datetime.now(UTC), code, f"{code} (test)"))

    def inbox(self) -> list[tuple[str, str, str]]:
        assert self.service.notify is not None
        return [(n.id, n.agency_id, n.case_number)
                for n in self.service.notify.inbox.page("ana", 100).items]

    def mails(self) -> list[email.message.EmailMessage]:
        files = sorted(self.sink.folder.glob("*.eml")) if self.sink.folder.exists() else []
        return [email.message_from_bytes(f.read_bytes(), policy=email.policy.default)
                for f in files]  # type: ignore[misc]

    def notified(self) -> list[str]:
        return [r.id for r in self.receiver.received if r.type == "case.status_changed"]


async def eventually(probe: Callable[[], T], done: Callable[[T], bool],
                     timeout_s: float = 30.0) -> T:
    """Poll ``probe`` until ``done`` says so; the last value either way."""
    deadline = time.monotonic() + timeout_s
    value = probe()
    while not done(value) and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
        value = probe()
    return value


def _unlinked_case(store: Path, case_type: str) -> str:
    """A generated case of ``case_type`` no persona has (ana links it: her PERM case)."""
    personas = {c.number for cases in synthetic("labor").persona_cases(TODAY).values()
                for c in cases}
    with contextlib.closing(sqlite3.connect(store)) as conn:
        rows = conn.execute("SELECT number FROM cases WHERE case_type = ? ORDER BY number",
                            (case_type,)).fetchall()
    return next(str(n) for (n,) in rows if n not in personas)


@pytest.fixture(params=ENGINES)
async def world(tmp_path: Path, request: pytest.FixtureRequest) -> AsyncIterator[World]:
    """Three adapters, the mail sink and a webhook receiver; a bootstrap'd service whose
    watchers start from Describe's cursor; ana reads Spanish, has a verified address, a
    verified webhook, every channel on, and a labor case besides her USCIS and court ones.
    'embedded': SQLite, the watchers write the outbox; 'nats-postgres': PostgreSQL, the
    watchers publish to a JetStream stream of the test's own, matched from it."""
    async with notify_engine(request.param, tmp_path) as engine:
        async for value in _world(tmp_path, engine):
            yield value


async def _world(tmp_path: Path, engine: NotifyEngine) -> AsyncIterator[World]:
    stores = seed_world(tmp_path, cases=20, seed=7, today=TODAY,
                        database_url=engine.database_url)
    numbers = {a: synthetic(a).persona_cases(TODAY)["ana"][0].number
               for a in ("immigration", "courts")}
    numbers["labor"] = _unlinked_case(stores["labor"], "PERM")
    jwks = StatePaths(tmp_path).jwks
    adapters: dict[str, AdapterProcess] = {}
    sink = MailSink(tmp_path / "mail")
    await sink.start()
    try:
        for agency_id, path in stores.items():
            adapters[agency_id] = await start_adapter(agency_id, path, jwks,
                                                      tmp_path / f"{agency_id}.log")
        vault = open_state_vault(StatePaths(tmp_path), engine.database_url)
        service = bootstrap(
            registry_with({a: p.port for a, p in adapters.items()}), tmp_path,
            database_url=engine.database_url, vault=vault,
            webhooks=WebhookSettings(allow_local=True),
            email=demo_email_settings("127.0.0.1", sink.port, "http://127.0.0.1:8000"),
            notify=NotifySettings(
                nats=engine.nats, watch_policy=WatchPolicy(0.05, 0.4),
                delivery=DeliveryPolicy(max_attempts=MAX_ATTEMPTS, base_backoff_s=0.05,
                                        max_backoff_s=0.2, poll_s=0.05, lease_s=5)))
        try:
            service.store.ensure_account("ana", "applicant")
            service.store.set_language("ana", "es")
            assert service.store.add_link("ana", "labor", numbers["labor"])
            seed_persona_email(email_addresses(vault.subject_keys.engine, vault.subject_keys,
                                               email_secret(vault.keyring)),
                               "ana", "ana@example.org")
            assert service.notify is not None and service.webhooks is not None
            service.notify.preferences.set_preferences("ana", Preferences(frozenset(
                {ChannelKind.IN_APP, ChannelKind.EMAIL, ChannelKind.WEBHOOK})))
            async with webhook_receiver() as receiver:
                registered = await service.webhooks.register("ana", receiver.url)
                receiver.secrets.append(registered.secret)
                assert (await service.webhooks.verify("ana", registered.endpoint.id)).ok
                found = World(tmp_path, engine, stores, numbers, service, receiver, sink)
                await found.notifier.start()
                # Each watcher's first start stores Describe's cursor before any change.
                outbox = found.notifier.outbox
                cursors = await eventually(
                    lambda: [outbox.cursor(a) for a in REFERENCE_AGENCIES],
                    lambda c: None not in c)
                assert None not in cursors
                yield found
        finally:
            await service.close()
    finally:
        await stop_adapters(list(adapters.values()))
        await sink.stop()


async def test_a_change_at_each_agency_reaches_ana_in_app_by_webhook_and_by_email(
        world: World) -> None:
    """Three changes, three notifications: each in the inbox, each a signed webhook whose
    webhook-id is the notification id, each a Spanish e-mail without the case number whose
    Message-ID names the notification; then a receiver answering 500 gets MAX_ATTEMPTS
    tries, the delivery is a dead letter `caseline notify dead-letters` lists, and `caseline
    notify replay` sends it once the receiver is healthy."""
    for agency_id, code in CHANGES.items():
        world.record(agency_id, code)
    inbox = await eventually(world.inbox, lambda i: len(i) >= 3)
    assert sorted((a, n) for _, a, n in inbox) == sorted(world.numbers.items())
    ids = {i for i, _, _ in inbox}
    assert set(await eventually(world.notified, lambda n: len(n) >= 3)) == ids
    assert world.receiver.bad_signatures == 0
    for received in world.receiver.received[1:]:  # after the verification handshake
        assert received.body["data"]["notificationId"] == received.id
        assert received.body["data"]["language"] == "es"
    mails = await eventually(world.mails, lambda m: len(m) >= 3)
    assert len(mails) == 3
    by_id = {str(m["Message-ID"]).strip("<>").partition("@")[0]: m for m in mails}
    assert set(by_id) == ids
    for mail in mails:
        assert mail["Content-Language"] == "es"
        assert mail["To"] == "ana@example.org"
        plain, html = mail.get_body(("plain",)), mail.get_body(("html",))
        assert plain is not None and html is not None
        texts = [str(mail["Subject"]), plain.get_content(), html.get_content()]
        for number in world.numbers.values():
            assert not any(number in t for t in texts)  # no case details by default
    spanish = {str(m["Subject"]) for m in mails}
    assert all("caso" in s.lower() for s in spanish), spanish

    # The receiver fails: retries, then a dead letter.
    world.receiver.status = 500
    world.record("immigration", "Case Was Approved")
    inbox = await eventually(world.inbox, lambda i: len(i) >= 4)
    [failing] = {i for i, _, _ in inbox} - ids
    outbox = world.notifier.outbox
    dead = await eventually(lambda: outbox.dead_letters(10), bool)
    [letter] = dead
    assert (letter.notification_id, letter.channel) == (failing, ChannelKind.WEBHOOK)
    assert world.receiver.ids.count(failing) == MAX_ATTEMPTS
    runner = CliRunner()
    listed = runner.invoke(main, ["notify", "dead-letters", "--json", "--state-dir",
                                  str(world.root), *world.engine.cli_options])
    assert listed.exit_code == 0, listed.output
    rows = [json.loads(line) for line in listed.output.splitlines()]
    assert [(r["id"], r["notification"], r["channel"]) for r in rows] == [
        (letter.id, failing, "webhook")]

    world.receiver.status = 200
    replayed = runner.invoke(main, ["notify", "replay", letter.id, "--state-dir",
                                    str(world.root), *world.engine.cli_options])
    assert replayed.exit_code == 0, replayed.output
    again = await eventually(lambda: outbox.delivery(letter.id),
                             lambda d: d is not None and d.state == DeliveryState.DELIVERED)
    assert again is not None and again.state == DeliveryState.DELIVERED
    assert world.receiver.ids.count(failing) == MAX_ATTEMPTS + 1
    assert outbox.dead_letters(10) == []
    if world.engine.nats is not None:  # the four changes travelled on the test's stream
        bus = world.notifier.bus
        assert bus is not None and bus.published >= 4 and bus.matched >= 4
        assert not StatePaths(world.root).database.exists()  # all of it in PostgreSQL
