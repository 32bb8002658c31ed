"""A status recorded with `caseline adapter record-event` (its own process, writing the
SQLite store) reaches a running reference adapter's WatchChanges stream."""

from __future__ import annotations

import asyncio
import sys
import threading
from pathlib import Path

import pytest

from adapters.reference.demo_store import DemoStore
from adapters.reference.seed import seed_store
from caseline.v1 import agency_adapter_pb2 as pb
from caseline.v1 import vocabulary_pb2 as vocab
from deploy.demo.state import DemoState
from support.reference_adapter import TODAY, reference_stub

pytestmark = pytest.mark.integration

ROOT = Path(__file__).parents[2]


class _WatchedStore(DemoStore):
    """The demo store, telling the test when a stream has read where "now" is."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.stream_started = threading.Event()

    def latest_cursor(self) -> int:
        cursor = super().latest_cursor()
        self.stream_started.set()
        return cursor


async def _cli(state: DemoState, *args: str) -> str:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "deploy.cli", "adapter", "record-event", "--state-dir",
        str(state.root), *args, cwd=ROOT, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE)
    out, err = await process.communicate()
    assert process.returncode == 0, err.decode()
    return out.decode()


async def test_a_recorded_status_reaches_the_running_adapters_change_stream(
        tmp_path: Path, jwks_path: Path) -> None:
    """WatchChanges opened with cursor "" (new changes only) carries the event the command
    recorded from another process, mapped, with the cursor the command printed."""
    state = DemoState(tmp_path)
    seed_store(state.store("immigration"), "immigration", cases=20, seed=7, today=TODAY,
               progress=False)
    store = _WatchedStore(state.store("immigration"))
    async with reference_stub("immigration", store, jwks_path) as stub:
        # A deadline only so a broken stream fails instead of hanging the suite.
        stream = stub.WatchChanges(pb.WatchChangesRequest(cursor=""), timeout=120)
        while not store.stream_started.is_set():  # the adapter has read where "now" is
            await asyncio.sleep(0.05)
        line = await _cli(state, "immigration", "IOE0990000002",
                          "Request for Evidence Was Sent")
        change = await stream.read()
        stream.cancel()
    assert isinstance(change, pb.WatchChangesResponse)
    assert line.startswith("recorded immigration IOE0990000002: 'Request for Evidence Was "
                           "Sent' (")
    assert line.rstrip().endswith(f", cursor {change.cursor}")
    assert change.case_number == "IOE0990000002"
    assert change.event.status.agency_code == "Request for Evidence Was Sent"
    assert change.event.status.milestone == vocab.MILESTONE_EVIDENCE_REQUESTED
    assert change.event.status.action_required
