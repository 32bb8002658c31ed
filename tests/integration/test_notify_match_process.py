"""`caseline notify match` as a process of its own, killed with SIGKILL while matching:
started again, it matches every change published to JetStream once, and leaves nothing
pending on its consumer."""

from __future__ import annotations

import asyncio
import signal
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import nats
import pytest
from sqlalchemy import func, select

from aggregator.bootstrap import open_state
from aggregator.notify.model import StatusChange
from aggregator.notify.tables import deliveries, notifications
from aggregator.notify.wire import JetStreamSettings, encode_change, message_id, subject_for
from aggregator.state import StatePaths
from deploy.processes.launcher import await_ready_line, spawn_logged, stop_processes
from support.nats_bus import unique_stream
from support.world import seed_world

pytestmark = pytest.mark.integration

TODAY = date(2026, 11, 1)
CHANGES = 60
T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def _command(root: Path, settings: JetStreamSettings) -> tuple[str, ...]:
    return (sys.executable, "-m", "deploy.cli", "notify", "match", "--nats-url", settings.url,
            "--stream", settings.stream, "--subject-prefix", settings.subject_prefix,
            "--consumer", settings.consumer, "--ack-wait-seconds", "1",
            "--state-dir", str(root))


def _counts(root: Path) -> tuple[int, int]:
    store, _ = open_state(StatePaths(root))
    try:
        with store.engine.connect() as conn:
            return tuple(int(conn.execute(select(func.count()).select_from(t)).scalar_one())
                         for t in (notifications, deliveries))  # type: ignore[return-value]
    finally:
        store.close()


async def _until(probe: Callable[[], bool], timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not probe() and time.monotonic() < deadline:
        await asyncio.sleep(0.1)


async def test_match_process_killed_mid_stream_matches_every_change_once(
        tmp_path: Path) -> None:
    """CHANGES changes of ana's receipt on the stream; the matcher is killed after some,
    started again: CHANGES notifications for ana (one in-app delivery each), none pending."""
    seed_world(tmp_path, cases=5, seed=7, today=TODAY)
    async with unique_stream() as settings:
        log = tmp_path / "match.log"
        process = await spawn_logged(_command(tmp_path, settings), log)
        await await_ready_line(process, log, "the matcher", "event")  # stream made
        nc = await nats.connect(settings.url)
        try:
            js = nc.jetstream()

            async def publish() -> None:
                # Spread out, as changes happen: the matcher takes what is ready in
                # batches, so a burst published at once would be matched before the kill.
                for i in range(CHANGES):
                    change = StatusChange(
                        "immigration", str(i + 1), "IOE0990000001", f"ev{i}",
                        T0 + timedelta(minutes=i), "ACTIVE", "UNDER_REVIEW", False,
                        "Case Is Being Actively Reviewed By USCIS", {"en": "Under review"})
                    await js.publish(subject_for(settings.subject_prefix, "immigration"),
                                     encode_change(change),
                                     headers={"Nats-Msg-Id": message_id(change)})
                    await asyncio.sleep(0.05)

            publishing = asyncio.ensure_future(publish())
            await _until(lambda: _counts(tmp_path)[0] >= 10)
            process.send_signal(signal.SIGKILL)
            await process.wait()
            assert _counts(tmp_path)[0] < CHANGES, "the kill came too late"
            await publishing
            process = await spawn_logged(_command(tmp_path, settings), log)
            await await_ready_line(process, log, "the matcher", "event")
            await _until(lambda: _counts(tmp_path)[0] >= CHANGES)
            deadline = time.monotonic() + 30
            info = await js.consumer_info(settings.stream, settings.consumer)
            while (info.num_pending, info.num_ack_pending) != (0, 0) \
                    and time.monotonic() < deadline:  # the last ack follows its commit
                await asyncio.sleep(0.1)
                info = await js.consumer_info(settings.stream, settings.consumer)
            await stop_processes([process])
        finally:
            await nc.close()
    assert _counts(tmp_path) == (CHANGES, CHANGES)
    assert (info.num_pending, info.num_ack_pending) == (0, 0)
