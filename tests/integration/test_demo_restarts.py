"""A demo adapter killed outright comes back on its own: the demo starts it again on the same
port, the gateway's channel reconnects, and the console says so; Ctrl-C still stops all."""

from __future__ import annotations

import os
import re
import signal
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pytest

from deploy.demo.state import DemoState
from support.demo_process import start_demo

pytestmark = pytest.mark.integration

T = TypeVar("T")
LOOKUP = ("query($n: String!) { caseStatus(number: $n) { __typename "
          "... on CaseLookupError { code } } }")


def _processes() -> dict[int, tuple[int, int, str]]:
    """Every process: pid -> (parent pid, session id, command line)."""
    found: dict[int, tuple[int, int, str]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:  # gone meanwhile
            continue
        # The command name in parentheses may hold spaces; the fields after it do not.
        fields = stat[stat.rindex(")") + 2:].split()
        if fields[0] != "Z":
            found[int(entry.name)] = (int(fields[1]), int(fields[3]), cmdline)
    return found


def _child_pid(demo_pid: int, command: str) -> int | None:
    """The one living child of the demo whose command line holds ``command``."""
    pids = [pid for pid, (parent, _, cmdline) in _processes().items()
            if parent == demo_pid and command in cmdline]
    return pids[0] if len(pids) == 1 else None


def _restarted(demo_pid: int, command: str, killed: int) -> int:
    return _poll(lambda: p if (p := _child_pid(demo_pid, command)) not in (None, killed)
                 else None, f"{command!r} to be started again")


def _poll(get: Callable[[], T | None], what: str, timeout_s: float = 90.0) -> T:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = get()
        if value is not None:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout_s} s waiting for {what}")


def test_killed_children_are_restarted_and_the_agency_answers_again(tmp_path: Path) -> None:
    demo = start_demo(tmp_path / "state", "--cases", "50", "--workers", "2")
    try:
        manifest = DemoState(demo.state_dir).read_manifest()
        assert manifest is not None
        number = next(case["number"] for case in manifest["personas"]["raj"]
                      if case["agency"] == "labor")

        def answered() -> str:
            data = demo.graphql(LOOKUP, {"n": number})["data"]
            assert isinstance(data, dict)
            return str(data["caseStatus"]["__typename"])

        assert answered() == "CaseStatus"
        adapter, worker = "adapter run labor ", "gateway demo-worker"
        killed = {command: _child_pid(demo.process.pid, command) for command in (adapter, worker)}
        assert None not in killed.values(), "the labor adapter and worker 2 are the demo's"
        for pid in killed.values():
            os.kill(pid or 0, 9)

        restarted = [_restarted(demo.process.pid, command, pid or 0)
                     for command, pid in killed.items()]
        _poll(lambda: True if answered() == "CaseStatus" else None,
              "the labor number to be answered again")
        output = "".join(demo.output)
        port = re.search(r"labor 127\.0\.0\.1:(\d+)", output)
        assert port, output
        assert (f"The labor adapter (port {port[1]}) stopped (killed by SIGKILL); restarting it "
                "in 0.5 s.") in output
        assert "Gateway process 2 stopped (killed by SIGKILL); restarting it in 0.5 s." in output
        # On the port the gateway's channel dials.
        assert f" --port {port[1]} " in _processes()[restarted[0]][2]
        # The other adapters were left alone.
        assert output.count("restarting it in") == 2
        # Ctrl-C at a terminal: the whole process group gets SIGINT, the children stop on
        # their own at the same moment, and none of that is a crash to restart.
        os.killpg(demo.process.pid, signal.SIGINT)
        demo.process.wait(timeout=60)
    finally:
        code = demo.stop()
    assert code == 0
    output = "".join(demo.output)
    assert output.count("restarting it in") == 2 and "Stopped." in output, output
    left = [f"{pid}: {cmdline}" for pid, (_, session, cmdline) in _processes().items()
            if session == demo.process.pid]
    assert left == [], "Ctrl-C left processes behind"
    for pid in restarted:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
