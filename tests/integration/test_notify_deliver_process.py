"""`caseline notify deliver` as a process of its own, killed with SIGKILL mid-stream: no
notification is lost, and each is sent again at most once per kill (receivers see the
same id and de-duplicate). On both engines (support.notify_engines): embedded (SQLite, the
changes matched in-process, no NATS) and nats-postgres (the changes published to a JetStream
stream of the test's own and matched from it into PostgreSQL, the deliverer given its URL)."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import orjson
import pytest
from sqlalchemy import func, select

from aggregator.bootstrap import ServiceKeys, open_ledger, open_state
from aggregator.ledger.storage import EntryFilter
from aggregator.model import AgencyInfo
from aggregator.notify.model import (
    ChannelKind,
    DeliveryState,
    Preferences,
    StatusChange,
    notification_id,
)
from aggregator.notify.runtime import Notifier, NotifySettings, build_notifications
from aggregator.notify.tables import deliveries
from aggregator.state import StatePaths
from aggregator.vault.pseudonyms import pseudonym
from deploy.processes.launcher import await_ready_line, spawn_logged, stop_processes
from support.notify_channels import RecordingChannel, received_ids
from support.notify_engines import ENGINES, NotifyEngine, notify_engine
from support.world import seed_world

pytestmark = pytest.mark.integration

TODAY = date(2026, 11, 1)
CHANGES = 300
KILLS = 2
T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@pytest.fixture(params=ENGINES)
async def engine(tmp_path: Path, request: pytest.FixtureRequest
                 ) -> AsyncIterator[NotifyEngine]:
    """Where the outbox is, and how changes reach it."""
    async with notify_engine(request.param, tmp_path) as found:
        yield found


def _command(root: Path, engine: NotifyEngine) -> tuple[str, ...]:
    return (sys.executable, "-m", "deploy.cli", "notify", "deliver", "--state-dir", str(root),
            *engine.cli_options, "--lease-seconds", "1", "--max-backoff-seconds", "0.5",
            "--channel-factory", "support.notify_channels:recording")


async def _matched(root: Path, engine: NotifyEngine) -> tuple[list[str], ServiceKeys]:
    """CHANGES changes of ana's immigration case in the outbox, each with an in-app and a
    webhook delivery; the notification ids. With NATS they travel on the test's stream, as
    watchers publish them, and the matcher takes them from there."""
    paths = StatePaths(root)
    store, vault = open_state(paths, engine.database_url)
    keys = ServiceKeys.from_keyring(paths, vault.keyring)
    ledger = open_ledger(paths, vault.keyring, database_url=engine.database_url)
    try:
        parts = build_notifications(
            store, keys.ledger_references, ledger, lambda s: pseudonym(keys.pseudonym, s),
            {"immigration": AgencyInfo("immigration", "USCIS", "USCIS")}, {},
            lambda: datetime.now(UTC), channels=[RecordingChannel(root / "unused")],
            settings=NotifySettings(watch=False, deliver=False, nats=engine.nats))
        parts.hub.preferences.set_preferences("ana", Preferences(
            frozenset({ChannelKind.IN_APP, ChannelKind.WEBHOOK})))
        changes = [StatusChange("immigration", str(i + 1), "IOE0990000001", f"ev{i}",
                                T0 + timedelta(minutes=i), "ACTIVE", "UNDER_REVIEW", False,
                                "Case Is Being Actively Reviewed By USCIS", {"en": "Review"})
                   for i in range(CHANGES)]
        if engine.nats is None:
            for change in changes:
                assert parts.matcher.record(change) == 1
        else:
            await _through_the_stream(parts.notifier, changes)
        return [notification_id("immigration", c.event_id, c.case_number, "ana")
                for c in changes], keys
    finally:
        ledger.close()
        store.close()


async def _through_the_stream(notifier: Notifier, changes: list[StatusChange]) -> None:
    """Publish ``changes`` on the stream and run the matcher until it matched them all."""
    bus = notifier.bus
    assert bus is not None and bus.matching
    await notifier.start()  # the stream and consumer made, the matcher running
    try:
        for change in changes:
            await bus.publish(change)
        await _until(lambda: bus.matched >= len(changes))
    finally:
        await notifier.stop()
    assert (bus.published, bus.duplicates, bus.matched) == (len(changes), 0, len(changes))


def _states(root: Path, engine: NotifyEngine) -> Counter[str]:
    store, _ = open_state(StatePaths(root), engine.database_url)
    try:
        with store.engine.connect() as conn:
            return Counter({r.state: r.n for r in conn.execute(
                select(deliveries.c.state, func.count().label("n"))
                .group_by(deliveries.c.state))})
    finally:
        store.close()


async def _until(probe: Callable[[], bool], timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not probe() and time.monotonic() < deadline:
        await asyncio.sleep(0.05)


async def test_deliverer_killed_mid_stream_loses_nothing_repeats_at_most_once_per_kill(
        tmp_path: Path, engine: NotifyEngine, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two SIGKILLs while sending: every notification reaches the receiver and the inbox;
    no id is received more than once per kill; each delivery is an access in the ledger."""
    seed_world(tmp_path, cases=5, seed=7, today=TODAY, database_url=engine.database_url)
    expected, keys = await _matched(tmp_path, engine)
    tests_dir = str(Path(__file__).parents[1])
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(
        p for p in (tests_dir, os.environ.get("PYTHONPATH", "")) if p))
    log = tmp_path / "deliver.log"
    for kill in range(KILLS):
        process = await spawn_logged(_command(tmp_path, engine), log)
        await await_ready_line(process, log, "the deliverer", "event")
        seen = len(received_ids(tmp_path))
        await _until(lambda seen=seen: len(received_ids(tmp_path)) >= seen + 40)
        process.send_signal(signal.SIGKILL)
        await process.wait()
        assert len(set(received_ids(tmp_path))) < CHANGES, f"kill {kill} came too late"
    process = await spawn_logged(_command(tmp_path, engine), log)
    await await_ready_line(process, log, "the deliverer", "event")
    await _until(lambda: _states(tmp_path, engine)[DeliveryState.DELIVERED] == 2 * CHANGES)
    await stop_processes([process])

    assert _states(tmp_path, engine) == Counter({DeliveryState.DELIVERED: 2 * CHANGES})
    received = Counter(received_ids(tmp_path))
    assert set(received) == set(expected)
    assert max(received.values()) <= 1 + KILLS
    if engine.database_url is not None:  # the outbox the deliverer drained is PostgreSQL's
        assert not StatePaths(tmp_path).database.exists()
    store, vault = open_state(StatePaths(tmp_path), engine.database_url)
    ledger = open_ledger(StatePaths(tmp_path), vault.keyring, database_url=engine.database_url)
    try:
        ana = pseudonym(keys.pseudonym, "ana")
        rows = ledger.store.find(EntryFilter(kind="access", actor=ana, limit=10 * CHANGES))
        reads = [orjson.loads(r.leaf) for r in rows]
        assert len(reads) >= 2 * CHANGES
        assert {tuple(r["agencies"]) for r in reads} == {("immigration",)}
    finally:
        ledger.close()
        store.close()
