"""The browser tests never skip for want of a browser: without /usr/bin/chromium they install
Debian's as root, and otherwise stop with the exact command to run."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

from support import browser


def test_without_chromium_and_without_root_the_error_names_the_command(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(browser, "CHROMIUM", tmp_path / "chromium")
    monkeypatch.setattr(browser.os, "geteuid", lambda: 1000)
    with pytest.raises(RuntimeError, match=r"sudo apt-get install -y -q chromium"):
        browser.ensure_chromium()


def test_as_root_it_installs_chromium_with_apt(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """apt-get install; on failure (no package lists yet) apt-get update and install again;
    then the browser must be there."""
    target = tmp_path / "chromium"
    ran: list[list[str]] = []

    def fake_run(command: list[str], **kwargs: Any) -> subprocess.CompletedProcess[bytes]:
        ran.append(command)
        first_install = command[:2] == ["apt-get", "install"] and len(ran) == 1
        if command[:2] == ["apt-get", "install"] and not first_install:
            target.write_text("#!/bin/sh\n")
        return subprocess.CompletedProcess(command, 100 if first_install else 0)

    monkeypatch.setattr(browser, "CHROMIUM", target)
    monkeypatch.setattr(browser.os, "geteuid", lambda: 0)
    monkeypatch.setattr(browser.subprocess, "run", fake_run)
    assert browser.ensure_chromium() == target
    assert [c[:2] for c in ran] == [["apt-get", "install"], ["apt-get", "update"],
                                    ["apt-get", "install"]]
    assert ran[0][-1] == "chromium"
