"""Issue 12 item 20: every file Caseline writes in a state directory is 0600 and every
directory 0700, whatever the umask (demo.json holds every persona's access codes)."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pytest

from aggregator.bootstrap import consent_issuer
from aggregator.state import StatePaths
from deploy.demo.seeding import ensure_demo_data
from deploy.demo.state import DemoState
from support.demo_process import start_demo


@contextmanager
def _umask(mask: int) -> Iterator[None]:
    before = os.umask(mask)
    try:
        yield
    finally:
        os.umask(before)


def _readable_by_others(root: Path) -> list[str]:
    """Every path under ``root`` (itself included) that group or others may use."""
    found = []
    for path in [root, *root.rglob("*")]:
        mode = stat.S_IMODE(path.lstat().st_mode)
        if mode & 0o077:
            found.append(f"{path.relative_to(root.parent)} {oct(mode)}")
    return found


def test_seeding_writes_only_private_files_under_a_permissive_umask(tmp_path: Path) -> None:
    state = DemoState(tmp_path / "state")
    with _umask(0o022):
        manifest = ensure_demo_data(state, cases=40, seed=7, today=date(2026, 11, 23))
        consent_issuer(StatePaths(state.root))  # publishes the JWKS, as the demo does
    assert any(case["access_code"] for cases in manifest["personas"].values()
               for case in cases)
    assert stat.S_IMODE(state.manifest.stat().st_mode) == 0o600
    assert (state.root / "aggregator.sqlite3").exists() and (state.root / "ledger.sqlite3").exists()
    assert _readable_by_others(state.root) == []


def test_an_older_world_readable_manifest_is_made_private_when_read(tmp_path: Path) -> None:
    state = DemoState(tmp_path / "state")
    with _umask(0o022):
        ensure_demo_data(state, cases=40, seed=7, today=date(2026, 11, 23))
    os.chmod(state.manifest, 0o644)  # as the previous version left it
    assert state.read_manifest() is not None
    assert stat.S_IMODE(state.manifest.stat().st_mode) == 0o600


@pytest.mark.integration
def test_a_running_demo_keeps_its_whole_state_directory_private(tmp_path: Path) -> None:
    state = tmp_path / "state"
    with _umask(0o022):  # inherited by the demo and every process it starts
        demo = start_demo(state, "--cases", "200", "--workers", "2")
    try:
        viewer = demo.graphql("{ viewer { cases { number } } }", persona="ana")
        assert viewer.get("data"), viewer
    finally:
        assert demo.stop() == 0
    assert (state / "demo.json").exists() and (state / "logs").is_dir()
    assert _readable_by_others(state) == []
