"""A demo adapter killed outright comes back on its own: the demo starts it again on the same
port, the gateway's channel reconnects, and the console says so; Ctrl-C still stops all."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pytest

from deploy.state import DemoState
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


def _adapter_pid(demo_pid: int, agency: str) -> int | None:
    pids = [pid for pid, (parent, _, cmdline) in _processes().items()
            if parent == demo_pid and f"adapter run {agency} " in cmdline]
    return pids[0] if len(pids) == 1 else None


def _poll(get: Callable[[], T | None], what: str, timeout_s: float = 90.0) -> T:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = get()
        if value is not None:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout_s} s waiting for {what}")


def test_a_killed_adapter_is_restarted_and_its_agency_answers_again(tmp_path: Path) -> None:
    demo = start_demo(tmp_path / "state", "--cases", "50")
    try:
        manifest = DemoState(demo.state_dir).read_manifest()
        assert manifest is not None
        number = manifest["personas"]["raj"][0]["number"]
        assert manifest["personas"]["raj"][0]["agency"] == "labor"

        def answered() -> str:
            data = demo.graphql(LOOKUP, {"n": number})["data"]
            assert isinstance(data, dict)
            return str(data["caseStatus"]["__typename"])

        assert answered() == "CaseStatus"
        pid = _adapter_pid(demo.process.pid, "labor")
        assert pid is not None, "the labor adapter is a child of the demo"
        os.kill(pid, 9)

        restarted = _poll(lambda: p if (p := _adapter_pid(demo.process.pid, "labor")) not in
                          (None, pid) else None, "the labor adapter to be started again")
        _poll(lambda: True if answered() == "CaseStatus" else None,
              "the labor number to be answered again")
        output = "".join(demo.output)
        assert "The labor adapter (port " in output
        assert "stopped (killed by SIGKILL); restarting it in 0.5 s" in output
        # The other adapters were left alone.
        assert output.count("restarting it in") == 1
    finally:
        code = demo.stop()
    assert code == 0
    left = [f"{pid}: {cmdline}" for pid, (_, session, cmdline) in _processes().items()
            if session == demo.process.pid]
    assert left == [], "Ctrl-C left processes behind"
    with pytest.raises(ProcessLookupError):
        os.kill(restarted, 0)
