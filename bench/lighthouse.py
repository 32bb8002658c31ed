"""Lighthouse on the pages of a real demo: `/`, `/status?number=…` and `/me` (signed in as
ana through the demo's own sign-in), with Debian's Chromium.

Prints each page's performance, accessibility and best-practices scores (0-100) as JSON,
mobile (Lighthouse's default: a throttled phone) and desktop, beside the targets; the audits
that cost points are listed by id. Lighthouse is npm ``lighthouse@12.2.3`` (13 needs Node 22),
installed on first run under bench/results/. Not a test: it prints, it never asserts.

    .venv/bin/python bench/lighthouse.py [--preset mobile|desktop|both]
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from _harness import RESULTS, start_demo
from _signin import SESSION_COOKIE, session_cookie

from deploy.demo.sample_numbers import read_demo_numbers
from deploy.demo.state import DemoState

VERSION = "12.2.3"
PREFIX = RESULTS / f"lighthouse-{VERSION}"
CHROMIUM = "/usr/bin/chromium"
# Headless Chromium in a container with no network but loopback: the same flags the browser
# tests use (tests/support/browser.py).
CHROME_FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu",
                "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run"]
CATEGORIES = ("performance", "accessibility", "best-practices")
TARGETS = {"performance": 95, "accessibility": 100, "best-practices": 95}
PRESETS = ("mobile", "desktop")


@dataclass(frozen=True)
class Audit:
    """One page to audit: its name, path, and whether it needs ana signed in."""

    name: str
    path: str
    signed_in: bool = False


def install(prefix: Path = PREFIX) -> Path:
    """Lighthouse's command, installed with npm under ``prefix`` unless it is there."""
    binary = prefix / "node_modules" / ".bin" / "lighthouse"
    if not binary.exists():
        prefix.mkdir(parents=True, exist_ok=True)
        subprocess.run(["npm", "i", "-E", "--silent", "--no-audit", "--no-fund", "--prefix",
                        str(prefix), f"lighthouse@{VERSION}"], check=True)
    return binary


def command(binary: Path, url: str, preset: str, cookie: str | None = None) -> list[str]:
    """The Lighthouse command line for ``url``: JSON on stdout, the three categories, our
    Chromium and flags; ``cookie`` (a page session) sent with every request."""
    if preset not in PRESETS:
        raise ValueError(f"preset {preset!r}: expected one of {', '.join(PRESETS)}")
    argv = [str(binary), url, "--output=json", "--output-path=stdout", "--quiet",
            f"--only-categories={','.join(CATEGORIES)}", f"--chrome-path={CHROMIUM}",
            f"--chrome-flags={' '.join(CHROME_FLAGS)}"]
    if preset == "desktop":
        argv.append("--preset=desktop")
    if cookie is not None:
        argv.append("--extra-headers=" + json.dumps({"Cookie": f"{SESSION_COOKIE}={cookie}"}))
    return argv


def scores(report: dict[str, Any]) -> dict[str, Any]:
    """The three category scores (0-100) of a Lighthouse JSON report, the page it ended on
    (a redirect to sign-in would show here), and the audits that cost points."""
    categories = report["categories"]
    found: dict[str, Any] = {name: round(categories[name]["score"] * 100)
                             for name in CATEGORIES}
    found["final_url"] = report.get("finalDisplayedUrl") or report.get("finalUrl")
    lost = {}
    for name in CATEGORIES:
        ids = [ref["id"] for ref in categories[name]["auditRefs"] if ref.get("weight")]
        failing = [i for i in ids if (report["audits"][i].get("score") or 0) < 1
                   and report["audits"][i].get("scoreDisplayMode") in ("binary", "numeric")]
        if failing:
            lost[name] = failing
    found["lost_points_on"] = lost
    return found


def run(binary: Path, url: str, preset: str, cookie: str | None) -> dict[str, Any]:
    """One Lighthouse run over ``url``, its scores."""
    done = subprocess.run(command(binary, url, preset, cookie), capture_output=True, text=True,
                          env={**os.environ, "CHROME_PATH": CHROMIUM}, timeout=300,
                          check=False)
    if done.returncode != 0:
        raise RuntimeError(f"lighthouse failed on {url}:\n{done.stderr[-2000:]}")
    return scores(json.loads(done.stdout))


def below_target(result: dict[str, Any]) -> list[str]:
    """The categories of one page's scores under their target, as "name score<target"."""
    return [f"{name} {result[name]}<{target}" for name, target in TARGETS.items()
            if result[name] < target]


def main(argv: list[str]) -> None:
    """Run Lighthouse on the three pages and print JSON."""
    preset = argv[argv.index("--preset") + 1] if "--preset" in argv else "both"
    presets = PRESETS if preset == "both" else (preset,)
    binary = install()
    state = RESULTS / "state-pages"
    state.mkdir(parents=True, exist_ok=True)
    demo = start_demo(state, "--cases", "1000", "--lookup-rate", "1000")
    try:
        _, numbers = read_demo_numbers(DemoState(state))
        ana = next(n.number for n in numbers if n.persona == "ana")
        audits = [Audit("home", "/"), Audit("status", f"/status?number={quote(ana)}"),
                  Audit("me", "/me", signed_in=True)]
        cookie = session_cookie(demo.base_url, "ana")
        results: dict[str, Any] = {}
        for audit in audits:
            for each in presets:
                result = run(binary, demo.base_url + audit.path, each,
                             cookie if audit.signed_in else None)
                result["below_target"] = below_target(result)
                results[f"{audit.name} ({each})"] = result
    finally:
        demo.stop()
    print(json.dumps({"benchmark": "lighthouse", "lighthouse": VERSION, "targets": TARGETS,
                      "pages": results}, indent=2))


if __name__ == "__main__":
    main(sys.argv[1:])
