"""bench/lighthouse.py's plumbing: the command line it gives Lighthouse (our Chromium and
flags, the session cookie for /me), the scores it reads from a report, and the pinned npm
install it does once."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

BENCH = Path(__file__).parents[3] / "bench"
sys.path.insert(0, str(BENCH))  # bench/ is scripts that import each other by file name
lighthouse = importlib.import_module("lighthouse")


def test_the_command_runs_our_chromium_headless_with_the_session_cookie() -> None:
    argv = lighthouse.command(Path("/x/lighthouse"), "http://127.0.0.1:1/me", "mobile",
                              cookie="abc.def")
    assert argv[:2] == ["/x/lighthouse", "http://127.0.0.1:1/me"]
    assert "--chrome-path=/usr/bin/chromium" in argv
    flags = next(a for a in argv if a.startswith("--chrome-flags=")).split("=", 1)[1].split()
    assert {"--headless=new", "--no-sandbox", "--disable-gpu",
            "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run"} == set(flags)
    assert "--only-categories=performance,accessibility,best-practices" in argv
    assert "--output=json" in argv and "--output-path=stdout" in argv
    headers = next(a for a in argv if a.startswith("--extra-headers=")).split("=", 1)[1]
    assert json.loads(headers) == {"Cookie": "caseline_session=abc.def"}
    assert "--preset=desktop" not in argv


def test_desktop_preset_and_no_cookie_for_public_pages() -> None:
    argv = lighthouse.command(Path("lh"), "http://127.0.0.1:1/", "desktop")
    assert "--preset=desktop" in argv
    assert not any(a.startswith("--extra-headers") for a in argv)
    with pytest.raises(ValueError, match="expected one of mobile, desktop"):
        lighthouse.command(Path("lh"), "http://127.0.0.1:1/", "tablet")


def _report(performance: float, failing: str) -> dict[str, Any]:
    audits = {"fcp": {"score": 0.5, "scoreDisplayMode": "numeric"},
              "tbt": {"score": 1, "scoreDisplayMode": "numeric"},
              "label": {"score": 1, "scoreDisplayMode": "binary"},
              "console": {"score": 0, "scoreDisplayMode": "binary"},
              "manual": {"score": None, "scoreDisplayMode": "manual"}}
    return {"finalDisplayedUrl": "http://127.0.0.1:1/me", "audits": audits, "categories": {
        "performance": {"score": performance, "auditRefs": [
            {"id": "fcp", "weight": 10}, {"id": "tbt", "weight": 30}]},
        "accessibility": {"score": 1.0, "auditRefs": [
            {"id": "label", "weight": 7}, {"id": "manual", "weight": 0}]},
        "best-practices": {"score": 0.96, "auditRefs": [{"id": failing, "weight": 1}]}}}


def test_scores_are_read_as_percentages_with_the_audits_that_cost_points() -> None:
    found = lighthouse.scores(_report(0.784, "console"))
    assert found["performance"] == 78 and found["accessibility"] == 100
    assert found["best-practices"] == 96
    assert found["final_url"] == "http://127.0.0.1:1/me"
    assert found["lost_points_on"] == {"performance": ["fcp"], "best-practices": ["console"]}
    assert lighthouse.below_target(found) == ["performance 78<95"]


def test_lighthouse_is_installed_once_pinned(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    ran: list[list[str]] = []

    def npm(argv: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        ran.append(argv)
        binary = tmp_path / "node_modules" / ".bin" / "lighthouse"
        binary.parent.mkdir(parents=True)
        binary.write_text("")
        return subprocess.CompletedProcess(argv, 0)

    monkeypatch.setattr(lighthouse.subprocess, "run", npm)
    first = lighthouse.install(tmp_path)
    second = lighthouse.install(tmp_path)
    assert first == second == tmp_path / "node_modules" / ".bin" / "lighthouse"
    assert len(ran) == 1
    assert ran[0][:3] == ["npm", "i", "-E"] and ran[0][-1] == "lighthouse@12.2.3"
    assert ran[0][ran[0].index("--prefix") + 1] == str(tmp_path)
