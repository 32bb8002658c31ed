"""The demo's supervisor: a child that dies is started again, after a pause that doubles
while it keeps dying; a stop ends everything, a child in the middle of a restart included."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from deploy.processes.launcher import await_ready_line, spawn_logged, stop_processes
from deploy.processes.supervision import Backoff, Child, Supervisor, describe_exit, next_delay

pytestmark = pytest.mark.integration

POLICY = Backoff(first_s=0.5, max_s=30.0, stable_s=60.0)


def test_the_pause_doubles_up_to_the_cap_and_starts_over_after_a_stable_run() -> None:
    pauses: list[float] = []
    previous: float | None = None
    for _ in range(9):
        previous = next_delay(previous, uptime_s=1.0, policy=POLICY)
        pauses.append(previous)
    assert pauses == [0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0, 30.0]
    # Up for a minute before dying again: a fresh start, not a 30 s wait.
    assert next_delay(30.0, uptime_s=60.0, policy=POLICY) == 0.5
    assert next_delay(4.0, uptime_s=59.9, policy=POLICY) == 8.0


def test_an_exit_is_described_by_its_code_or_its_signal() -> None:
    assert describe_exit(3) == "exit code 3"
    assert describe_exit(-signal.SIGKILL) == "killed by SIGKILL"
    assert describe_exit(-200) == "killed by signal 200"


_SERVES = ("import os, time; print('{\"pid\": %d}' % os.getpid(), flush=True); "
           "time.sleep(120)")
_DIES = "import sys; sys.exit(4)"


def _child(tmp_path: Path, code: str, name: str = "The labor adapter (port 1)") -> Child:
    log = tmp_path / "child.log"

    async def spawn() -> asyncio.subprocess.Process:
        return await spawn_logged((sys.executable, "-c", code), log)

    async def ready(process: asyncio.subprocess.Process) -> object:
        return await await_ready_line(process, log, name, "pid")

    return Child(name, log, spawn, ready)


async def _started(child: Child) -> Child:
    child.process = await child.spawn()
    await child.ready(child.process)
    return child


async def _until(condition: Callable[[], bool], what: str, timeout_s: float = 30.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout_s
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


async def test_a_killed_child_is_started_again_and_said_so(tmp_path: Path) -> None:
    lines: list[str] = []
    child = await _started(_child(tmp_path, _SERVES))
    first = child.process
    assert first is not None
    supervisor = Supervisor(lines.append, Backoff(first_s=0.05, max_s=1.0, stable_s=60.0))
    supervisor.watch(child)
    try:
        first.kill()
        await _until(lambda: child.process is not first and child.process is not None
                     and child.process.returncode is None, "a new process")
        assert lines == [f"The labor adapter (port 1) stopped (killed by SIGKILL); restarting "
                         f"it in 0.05 s. Its log: {child.log}"]
    finally:
        await supervisor.stop()
        await stop_processes([p for p in (child.process,) if p])
    assert child.process is not None and child.process.returncode is not None


async def test_a_child_that_keeps_dying_waits_longer_each_time(tmp_path: Path) -> None:
    lines: list[str] = []
    child = _child(tmp_path, _DIES, "Gateway process 2")
    child.process = await child.spawn()  # dies at once, as does every restart
    supervisor = Supervisor(lines.append, Backoff(first_s=0.01, max_s=0.04, stable_s=60.0))
    supervisor.watch(child)
    try:
        await _until(lambda: len(lines) >= 5, "five restarts")
    finally:
        await supervisor.stop()
    pauses = [line.split("restarting it in ")[1].split(" s.")[0] for line in lines[:5]]
    # The ready line never comes: each restart fails, each failure doubles the pause.
    assert pauses == ["0.01", "0.02", "0.04", "0.04", "0.04"]
    assert "Gateway process 2 stopped (exit code 4)" in lines[0]


async def test_exits_after_the_demo_begins_to_stop_are_not_restarted(tmp_path: Path) -> None:
    lines: list[str] = []
    child = await _started(_child(tmp_path, _SERVES))
    first = child.process
    assert first is not None
    supervisor = Supervisor(lines.append, Backoff(first_s=0.01))
    supervisor.watch(child)
    supervisor.stopping()  # as the demo's signal handler does on Ctrl-C
    first.send_signal(signal.SIGINT)  # Ctrl-C at a terminal reaches the children too
    await first.wait()
    await supervisor.stop()
    assert child.process is first and lines == []


async def test_a_stop_in_the_middle_of_a_restart_leaves_no_process(tmp_path: Path) -> None:
    # The restarted child never says it is ready: the stop comes while the supervisor waits.
    marker = tmp_path / "restarted"
    code = (f"import os, pathlib, time; pathlib.Path({str(marker)!r}).write_text("
            "str(os.getpid())); time.sleep(120)")
    lines: list[str] = []
    child = _child(tmp_path, code)
    child.process = await child.spawn()
    await _until(marker.exists, "the first process")
    marker.unlink()
    first = child.process
    supervisor = Supervisor(lines.append, Backoff(first_s=0.01))
    supervisor.watch(child)
    first.kill()
    await _until(lambda: marker.exists() and marker.read_text() != "", "the restarted process")
    restarted = int(marker.read_text())
    assert child.process is not first and child.process.pid == restarted
    await supervisor.stop()
    await stop_processes([child.process], grace_s=5.0)
    assert child.process.returncode is not None
    with pytest.raises(ProcessLookupError):
        os.kill(restarted, 0)


async def test_a_child_never_started_cannot_be_watched(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="never started"):
        Supervisor(print).watch(_child(tmp_path, _SERVES))
