"""Two demos on one state directory at once: seeded once, both serve, one ledger verifies."""

from __future__ import annotations

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from support.demo_process import ROOT, Demo, start_demo

pytestmark = pytest.mark.integration

TIMELINE = "{ viewer { cases { number } timeline { events { title } } } }"


def _viewer(demo: Demo, persona: str) -> dict[str, Any]:
    body = demo.graphql(TIMELINE, persona=persona)
    assert "errors" not in body, body
    viewer: dict[str, Any] = body["data"]["viewer"]  # type: ignore[index]
    return viewer


def test_two_demos_started_together_seed_once_and_share_one_ledger(tmp_path: Path) -> None:
    state = tmp_path / "state"
    with ThreadPoolExecutor(2) as pool:
        starting = [pool.submit(start_demo, state, "--cases", "200") for _ in range(2)]
    demos = [f.result() for f in starting if f.exception() is None]
    try:
        for failed in (f.exception() for f in starting):
            if failed is not None:
                raise failed  # after the one that did start is stopped, below
        seeded = ["First run" in "".join(d.output) for d in demos]
        assert sorted(seeded) == [False, True], "exactly one of them seeds the state"
        first, second = demos
        ana = _viewer(first, "ana")
        assert ana["cases"] and ana["timeline"]["events"]
        assert _viewer(second, "ana") == ana
        # Reads through both gateways are access entries in one chain, which either serves.
        for demo in demos:
            verified = subprocess.run(
                [sys.executable, "-m", "deploy.cli", "audit", "verify", "--url", demo.base_url,
                 "--state-dir", str(state)],
                capture_output=True, text=True, cwd=ROOT, timeout=120, check=False)
            assert verified.returncode == 0, verified.stdout + verified.stderr
        # With nothing read in between, both publish the very same signed checkpoint.
        notes = {httpx.get(f"{d.base_url}/ledger/checkpoint", timeout=15).text for d in demos}
        assert len(notes) == 1, f"the two gateways see different ledger heads: {notes}"
    finally:
        stopped = [d.stop() for d in demos]
    assert stopped == [0, 0]
