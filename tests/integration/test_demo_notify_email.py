"""In a real `caseline demo`: a status the agency records on ana's case (with `caseline
adapter record-event`) reaches her mailbox, the demo's sink, as a notification e-mail: the
demo's gateway runs the e-mail channel and ana has e-mail on from the start."""

from __future__ import annotations

import email
import email.policy
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select

from adapters.reference.catalog import profile
from aggregator.notify.tables import watch_cursors
from deploy.demo.state import DemoState
from gateway.messages import message
from support.demo_process import ROOT, Demo, start_demo

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    running = start_demo(tmp_path_factory.mktemp("state"), "--cases", "50")
    yield running
    assert running.stop() == 0


def _watching(state_dir: Path) -> bool:
    """Whether the immigration watcher has its starting cursor (from Describe)."""
    engine = create_engine(f"sqlite:///{DemoState(state_dir).database}")
    try:
        with engine.connect() as conn:
            return conn.execute(select(watch_cursors.c.cursor).where(
                watch_cursors.c.agency_id == "immigration")).first() is not None
    finally:
        engine.dispose()


def test_a_recorded_status_reaches_anas_mailbox(demo: Demo) -> None:
    """One notification e-mail to ana, naming no case number, with an unsubscribe link."""
    deadline = time.monotonic() + 60
    while not _watching(demo.state_dir) and time.monotonic() < deadline:
        time.sleep(0.1)
    recorded = subprocess.run(
        [sys.executable, "-m", "deploy.cli", "adapter", "record-event", "immigration",
         "IOE0990000001", "Request for Evidence Was Sent", "--state-dir",
         str(demo.state_dir)], check=False, cwd=ROOT, capture_output=True, text=True,
        timeout=60)
    assert recorded.returncode == 0, recorded.stderr
    folder = demo.state_dir / "mail"
    # Ana reads Spanish: the subject as her e-mail words a change.
    changed = message("es", "A case at {agency} changed",
                      agency=profile("immigration").name_es)

    def changes() -> list[Path]:
        # Ana's alerts (a deadline coming due) may arrive too: only the change is counted.
        return [p for p in folder.glob("*.eml") if email.message_from_bytes(
            p.read_bytes(), policy=email.policy.default)["Subject"] == changed]

    deadline = time.monotonic() + 60
    while not changes() and time.monotonic() < deadline:
        time.sleep(0.1)
    [path] = changes()
    mail = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert mail["To"] == "ana@example.org"
    assert mail["List-Unsubscribe"]
    assert "IOE0990000001" not in path.read_bytes().decode()
