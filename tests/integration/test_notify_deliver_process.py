"""`caseline notify deliver` as a process of its own, killed with SIGKILL mid-stream: no
notification is lost, and each is sent again at most once per kill (receivers see the
same id and de-duplicate)."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from collections import Counter
from collections.abc import Callable
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
from aggregator.notify.runtime import NotifySettings, build_notifications
from aggregator.notify.tables import deliveries
from aggregator.state import StatePaths
from aggregator.vault.pseudonyms import pseudonym
from deploy.processes.launcher import await_ready_line, spawn_logged, stop_processes
from support.notify_channels import RecordingChannel, received_ids
from support.world import seed_world

pytestmark = pytest.mark.integration

TODAY = date(2026, 11, 1)
CHANGES = 300
KILLS = 2
T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def _command(root: Path) -> tuple[str, ...]:
    return (sys.executable, "-m", "deploy.cli", "notify", "deliver", "--state-dir", str(root),
            "--lease-seconds", "1", "--max-backoff-seconds", "0.5",
            "--channel-factory", "support.notify_channels:recording")


def _matched(root: Path) -> tuple[list[str], ServiceKeys]:
    """CHANGES changes of ana's immigration case in the outbox, each with an in-app and a
    webhook delivery; the notification ids."""
    paths = StatePaths(root)
    store, vault = open_state(paths)
    keys = ServiceKeys.from_keyring(paths, vault.keyring)
    ledger = open_ledger(paths, vault.keyring)
    try:
        parts = build_notifications(
            store, keys.ledger_references, ledger, lambda s: pseudonym(keys.pseudonym, s),
            {"immigration": AgencyInfo("immigration", "USCIS", "USCIS")}, {},
            lambda: datetime.now(UTC), channels=[RecordingChannel(root / "unused")],
            settings=NotifySettings(watch=False, deliver=False))
        parts.hub.preferences.set_preferences("ana", Preferences(
            frozenset({ChannelKind.IN_APP, ChannelKind.WEBHOOK})))
        ids = []
        for i in range(CHANGES):
            change = StatusChange("immigration", str(i + 1), "IOE0990000001", f"ev{i}",
                                  T0 + timedelta(minutes=i), "ACTIVE", "UNDER_REVIEW", False,
                                  "Case Is Being Actively Reviewed By USCIS", {"en": "Review"})
            assert parts.matcher.record(change) == 1
            ids.append(notification_id("immigration", change.event_id, change.case_number,
                                       "ana"))
        return ids, keys
    finally:
        ledger.close()
        store.close()


def _states(root: Path) -> Counter[str]:
    store, _ = open_state(StatePaths(root))
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
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two SIGKILLs while sending: every notification reaches the receiver and the inbox;
    no id is received more than once per kill; each delivery is an access in the ledger."""
    seed_world(tmp_path, cases=5, seed=7, today=TODAY)
    expected, keys = _matched(tmp_path)
    tests_dir = str(Path(__file__).parents[1])
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(
        p for p in (tests_dir, os.environ.get("PYTHONPATH", "")) if p))
    log = tmp_path / "deliver.log"
    for kill in range(KILLS):
        process = await spawn_logged(_command(tmp_path), log)
        await await_ready_line(process, log, "the deliverer", "event")
        seen = len(received_ids(tmp_path))
        await _until(lambda seen=seen: len(received_ids(tmp_path)) >= seen + 40)
        process.send_signal(signal.SIGKILL)
        await process.wait()
        assert len(set(received_ids(tmp_path))) < CHANGES, f"kill {kill} came too late"
    process = await spawn_logged(_command(tmp_path), log)
    await await_ready_line(process, log, "the deliverer", "event")
    await _until(lambda: _states(tmp_path)[DeliveryState.DELIVERED] == 2 * CHANGES)
    await stop_processes([process])

    assert _states(tmp_path) == Counter({DeliveryState.DELIVERED: 2 * CHANGES})
    received = Counter(received_ids(tmp_path))
    assert set(received) == set(expected)
    assert max(received.values()) <= 1 + KILLS
    store, vault = open_state(StatePaths(tmp_path))
    ledger = open_ledger(StatePaths(tmp_path), vault.keyring)
    try:
        ana = pseudonym(keys.pseudonym, "ana")
        rows = ledger.store.find(EntryFilter(kind="access", actor=ana, limit=10 * CHANGES))
        reads = [orjson.loads(r.leaf) for r in rows]
        assert len(reads) >= 2 * CHANGES
        assert {tuple(r["agencies"]) for r in reads} == {("immigration",)}
    finally:
        ledger.close()
        store.close()
