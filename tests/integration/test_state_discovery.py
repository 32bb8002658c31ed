"""Issue 13 item 2: commands find a running demo's state from its URL, or refuse saying where
they looked; they never fall back to ~/.caseline.

A real `caseline demo` on a port of its own; the commands run as real `caseline` processes
with neither --state-dir nor CASELINE_STATE_DIR, and HOME pointed at an empty directory, so a
silent ~/.caseline would show.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from deploy.demo.run_files import RunRecord, run_file
from deploy.processes.launcher import free_port
from support.demo_process import ROOT, Demo, start_demo

pytestmark = pytest.mark.integration

VIEWER = "{ viewer { cases { number } } }"


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty HOME, and no CASELINE_STATE_DIR, for the demo and every command."""
    path = tmp_path / "home"
    path.mkdir()
    monkeypatch.setenv("HOME", str(path))
    monkeypatch.delenv("CASELINE_STATE_DIR", raising=False)
    return path


@pytest.fixture
def demo(tmp_path: Path, home: Path) -> Iterator[Demo]:
    """A small demo on a port of its own."""
    running = start_demo(tmp_path / "state", "--cases", "200")
    try:
        yield running
    finally:
        running.stop()


def _caseline(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "deploy.cli", *args], capture_output=True,
                          text=True, cwd=ROOT, timeout=120, check=False)


def _port(demo: Demo) -> int:
    return int(demo.base_url.rsplit(":", 1)[1])


def _viewer(demo: Demo, token: str) -> dict[str, object]:
    response = httpx.post(f"{demo.base_url}/graphql", json={"query": VIEWER}, timeout=15,
                          headers={"Authorization": f"Bearer {token}"})
    body: dict[str, object] = response.json()
    return body


def test_commands_find_the_state_of_the_demo_at_url(demo: Demo, home: Path) -> None:
    path = run_file("127.0.0.1", _port(demo))
    assert path.stat().st_mode & 0o777 == 0o600
    record = RunRecord.from_json(path.read_bytes())
    assert record.state_dir == demo.state_dir.resolve()
    assert (record.pid, record.url) == (demo.process.pid, demo.base_url)

    issued = _caseline("dev-token", "ana", "--url", demo.base_url)
    assert issued.returncode == 0, issued.stderr
    body = _viewer(demo, issued.stdout.strip())
    assert "errors" not in body, body
    assert body["data"]["viewer"]["cases"]  # type: ignore[index]

    status = _caseline("keys", "status", "--url", demo.base_url)
    assert status.returncode == 0, status.stderr
    assert json.loads(status.stdout)["keyring"]["protection"] == "key file"

    verified = _caseline("audit", "verify", "--url", demo.base_url)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert str(demo.state_dir.resolve()) in verified.stderr  # whose auditor it borrowed
    assert not (home / ".caseline").exists()

    assert demo.stop() == 0
    assert not path.exists(), "Ctrl-C removes the run file"
    refused = _caseline("dev-token", "ana", "--url", demo.base_url)
    assert refused.returncode == 1
    assert f"no running demo found at {demo.base_url}" in refused.stderr
    assert str(path) in refused.stderr
    assert not (home / ".caseline").exists()


def test_sigterm_removes_the_run_file(demo: Demo) -> None:
    path = run_file("127.0.0.1", _port(demo))
    assert path.exists()
    demo.process.send_signal(signal.SIGTERM)
    assert demo.process.wait(timeout=60) == 0
    assert not path.exists()


def test_without_a_demo_every_command_refuses_naming_the_places_looked(home: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    places = ["--state-dir (not given)", "$CASELINE_STATE_DIR (not set)",
              f"{run_file('127.0.0.1', int(url.rsplit(':', 1)[1]))} (none)"]
    for args in (["dev-token", "ana"], ["keys", "status"], ["keys", "shred", "ana", "--yes"],
                 ["audit", "export"]):
        refused = _caseline(*args, "--url", url)
        assert refused.returncode == 1, (args, refused.stdout)
        assert f"no running demo found at {url}" in refused.stderr, refused.stderr
        for place in places:
            assert place in refused.stderr, (args, refused.stderr)
        assert "Traceback" not in refused.stderr
    assert not (home / ".caseline").exists()


def test_without_url_the_default_address_is_looked_up(home: Path) -> None:
    refused = _caseline("dev-token", "ana")
    # Whether or not someone's demo runs on 8000, the suite's run directory has no file for it.
    assert refused.returncode == 1
    assert str(run_file("127.0.0.1", 8000)) in refused.stderr
    assert "http://127.0.0.1:8000" in refused.stderr


def test_a_stale_run_file_is_ignored_and_removed(demo: Demo, tmp_path: Path) -> None:
    """A demo killed outright leaves its file; the next command sees its lock free."""
    port = _port(demo)
    path = run_file("127.0.0.1", port)
    os.killpg(demo.process.pid, signal.SIGKILL)  # the demo and its adapters: no cleanup runs
    demo.process.wait()
    assert path.exists()
    refused = _caseline("dev-token", "ana", "--url", demo.base_url)
    assert refused.returncode == 1
    assert f"{path} (stale: pid {demo.process.pid} is gone; removed)" in refused.stderr
    assert not path.exists()
    # A hand-written file naming a state that exists but a dead pid is no better.
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    path.write_text(json.dumps({"state_dir": str(demo.state_dir), "pid": dead.pid,
                                "url": demo.base_url,
                                "started_at": "2026-12-01T00:00:00+00:00"}))
    again = _caseline("dev-token", "ana", "--url", demo.base_url)
    assert again.returncode == 1 and "stale" in again.stderr
    assert not path.exists()


def test_a_bad_url_is_a_usage_error(home: Path) -> None:
    refused = _caseline("dev-token", "ana", "--url", "http://127.0.0.1:notaport")
    assert refused.returncode == 2
    assert "--url" in refused.stderr and "expected a URL like" in refused.stderr


def test_an_explicit_state_dir_without_a_demo_creates_nothing(tmp_path: Path,
                                                              home: Path) -> None:
    empty = tmp_path / "not-a-demo"
    refused = _caseline("dev-token", "ana", "--state-dir", str(empty))
    assert refused.returncode == 1
    assert "no demo sign-in key" in refused.stderr
    assert not empty.exists()
