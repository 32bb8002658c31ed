"""A first seeding shows every step it takes, numbered against the total: the agency stores,
the keyring and ledger, the persona links, the sample numbers and the persona accounts."""

from __future__ import annotations

import io
import re
from datetime import date
from pathlib import Path

import pytest

from adapters.reference.catalog import REFERENCE_AGENCIES
from deploy.demo.progress import StepProgress
from deploy.demo.seeding import SEEDING_STEPS, ensure_demo_data
from deploy.demo.state import DemoState

TODAY = date(2026, 11, 23)


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_first_seeding_names_each_step_on_a_log(tmp_path: Path) -> None:
    log = io.StringIO()  # not a terminal: lines only
    manifest = ensure_demo_data(DemoState(tmp_path / "state"), cases=40, seed=7, today=TODAY,
                                stream=log)
    lines = log.getvalue().splitlines()
    assert lines[0].startswith(f"First run: generating demo data in {tmp_path / 'state'} "
                               "(40 cases per agency, seed 7, as of 2026-11-23), in 7 steps")
    steps = [re.fullmatch(r"  \[(\d)/7\] ([a-z ]+): (.+) \(\d+\.\d s\)", line)
             for line in lines[1:]]
    assert all(steps), lines
    expected = [*(f"{a} cases" for a in REFERENCE_AGENCIES), "keyring and ledger",
                "persona links", "sample numbers", "persona accounts"]
    assert [(int(m[1]), m[2]) for m in steps if m] == list(enumerate(expected, start=1))
    assert list(SEEDING_STEPS) == expected
    summaries = dict((m[2], m[3]) for m in steps if m)
    assert re.fullmatch(r"4\d cases, [\d,]+ events", summaries["labor cases"])
    assert summaries["keyring and ledger"].startswith("keys/keyring.json opened by a key file")
    linked = sum(len(cases) for cases in manifest["personas"].values())
    assert summaries["persona links"] == (f"{linked} cases linked to ana, mei, raj, each recorded "
                                          "in the ledger")
    assert summaries["persona accounts"] == "5 accounts"
    assert "\r" not in log.getvalue(), "a log gets no redrawn bars"


def test_a_second_run_seeds_nothing_and_says_nothing(tmp_path: Path) -> None:
    state = DemoState(tmp_path / "state")
    ensure_demo_data(state, cases=40, seed=7, today=TODAY, stream=io.StringIO())
    again = io.StringIO()
    ensure_demo_data(state, cases=40, seed=7, today=TODAY, stream=again)
    assert again.getvalue() == ""


def test_a_terminal_gets_one_bar_for_the_step_under_way() -> None:
    terminal = _Terminal()
    progress = StepProgress(2, terminal)
    with progress.step("labor cases", total=100, unit="case") as step:
        step.advance(60)
        step.summary = "100 cases"
    with progress.step("persona links") as step:
        step.advance(1)
    shown = terminal.getvalue()
    assert "[1/2] labor cases" in shown and "[2/2] persona links" in shown
    assert "\r" in shown  # the bar, redrawn in place
    finished = [line for line in re.split(r"[\r\n]", shown) if line.startswith("  [")]
    assert [line.rsplit(" (", 1)[0] for line in finished] == [
        "  [1/2] labor cases: 100 cases", "  [2/2] persona links: done"]


def test_a_step_beyond_the_announced_total_is_a_mistake() -> None:
    progress = StepProgress(1, io.StringIO())
    with progress.step("one"):
        pass
    with pytest.raises(ValueError, match="more than the 1 announced"), progress.step("two"):
        pass


def test_a_failed_step_is_not_reported_done() -> None:
    log = io.StringIO()
    progress = StepProgress(2, log)
    with pytest.raises(OSError), progress.step("keyring and ledger"):
        raise OSError("disk full")
    assert log.getvalue() == ""
