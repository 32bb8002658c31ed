"""The launcher waits for a child process's ready line, and says why when none comes."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import sys
from pathlib import Path

import pytest

from deploy.processes import launcher
from deploy.processes.launcher import LaunchError, await_ready_line, bind_socket, join_socket

pytestmark = pytest.mark.integration


async def _child(code: str, log: Path) -> asyncio.subprocess.Process:
    with log.open("ab") as log_file:
        return await asyncio.create_subprocess_exec(
            sys.executable, "-c", code, stdout=asyncio.subprocess.PIPE, stderr=log_file)


async def test_returns_the_ready_line_of_a_process_that_serves(tmp_path: Path) -> None:
    log = tmp_path / "child.log"
    process = await _child('import time; print(\'{"event": "ready", "worker": 2}\', flush=True);'
                           ' time.sleep(60)', log)
    try:
        assert await await_ready_line(process, log, "worker 2", "worker") == {
            "event": "ready", "worker": 2}
        assert process.returncode is None  # still serving
    finally:
        process.kill()
        await process.wait()


async def test_a_process_that_dies_first_is_reported_with_its_log(tmp_path: Path) -> None:
    log = tmp_path / "child.log"
    process = await _child("import sys; sys.exit('cannot open the keyring: bad passphrase')", log)
    with pytest.raises(LaunchError) as raised:
        await await_ready_line(process, log, "gateway process 2", "worker")
    assert "gateway process 2 did not start" in str(raised.value)
    assert "bad passphrase" in str(raised.value)


async def test_a_line_without_the_key_is_not_readiness(tmp_path: Path) -> None:
    log = tmp_path / "child.log"
    process = await _child('import time; print(\'{"event": "starting"}\', flush=True); '
                           "time.sleep(60)", log)
    with pytest.raises(LaunchError, match="worker 2 did not start"):
        await await_ready_line(process, log, "worker 2", "worker")
    assert process.returncode is not None, "the silent process was killed"


async def test_a_silent_process_is_killed_at_the_timeout(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(launcher, "READY_TIMEOUT_S", 0.5)
    log = tmp_path / "child.log"
    process = await _child("import time; time.sleep(60)", log)
    with pytest.raises(LaunchError, match="worker 2 did not start"):
        await await_ready_line(process, log, "worker 2", "worker")
    assert process.returncode is not None


def test_a_shared_port_takes_our_processes_and_refuses_anyone_else() -> None:
    first = bind_socket("127.0.0.1", 0, shared=True)
    port = first.getsockname()[1]
    try:
        with join_socket("127.0.0.1", port) as second:
            assert second.getsockname()[1] == port
            # Another demo asking for the port, shared or not, finds it taken.
            for shared in (False, True):
                with pytest.raises(LaunchError, match=f"cannot listen on 127.0.0.1:{port}"):
                    bind_socket("127.0.0.1", port, shared=shared)
    finally:
        first.close()


def test_connections_to_a_shared_port_reach_every_socket() -> None:
    # One socket per process, and the kernel spreads connections over them: a burst of
    # connections no longer all lands on whichever process wakes first.
    first = bind_socket("127.0.0.1", 0, shared=True)
    port = first.getsockname()[1]
    with first, join_socket("127.0.0.1", port) as second:
        clients = [socket.create_connection(("127.0.0.1", port)) for _ in range(40)]
        try:
            accepted = []
            for listener in (first, second):
                listener.setblocking(False)
                count = 0
                with contextlib.suppress(BlockingIOError):
                    while True:
                        listener.accept()[0].close()
                        count += 1
                accepted.append(count)
        finally:
            for client in clients:
                client.close()
    assert sum(accepted) == 40
    assert min(accepted) > 0, accepted
