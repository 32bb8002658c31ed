"""`caseline keys shred|rewrap|status`: a shred rotates and rewraps at once, schedules the old
key-encryption keys' destruction after --grace, and `keys rewrap` destroys them when due;
`keys status` shows what is pending. Each step is a ledger entry."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from aggregator.bootstrap import open_state
from aggregator.state import StatePaths
from deploy.cli import main

ANA = ("ana", "immigration", "IOE0990000001")
RAJ = ("raj", "labor", "G-100-26001-000001")


@pytest.fixture
def state(tmp_path: Path) -> Path:
    """A state directory where ana and raj each linked a case (sealed under their keys)."""
    store, _ = open_state(StatePaths(tmp_path))
    try:
        for subject, agency, number in (ANA, RAJ):
            store.ensure_account(subject, "applicant")
            store.add_link(subject, agency, number)
    finally:
        store.close()
    return tmp_path


def _keys(state: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["keys", *args, "--state-dir", str(state)])


def _status(state: Path) -> dict[str, object]:
    result = _keys(state, "status")
    assert result.exit_code == 0, result.output
    status: dict[str, object] = json.loads(result.output)
    return status


def _ledger_key_events(state: Path) -> list[tuple[str, str | None]]:
    from aggregator.bootstrap import open_ledger

    ledger = open_ledger(StatePaths(state))
    try:
        records = [json.loads(line) for line in ledger.export()]
    finally:
        ledger.close()
    leaves = [json.loads(base64.b64decode(r["leaf"])) for r in records
              if r.get("type") == "entry"]
    return [(leaf["event"], leaf.get("key")) for leaf in leaves if leaf.get("kind") == "key"]


def test_shred_schedules_and_rewrap_destroys_after_the_grace_period(state: Path) -> None:
    shredded = _keys(state, "shred", "ana", "--yes")
    assert shredded.exit_code == 0, shredded.output
    assert "rotated to a new key-encryption key kek-2" in shredded.output
    assert "key-encryption key kek-1 waits for destruction: the grace period runs until" \
        in shredded.output
    pending = _status(state)["pending_destructions"]
    assert isinstance(pending, list) and [p["kek"] for p in pending] == ["kek-1"]

    early = _keys(state, "rewrap")  # within the 24 h: nothing destroyed
    assert early.exit_code == 0 and "destroyed key-encryption key" not in early.output
    assert _status(state)["destroyed_keks"] == 0


def test_a_zero_grace_destroys_at_once_and_raj_still_opens(state: Path) -> None:
    shredded = _keys(state, "shred", "ana", "--yes", "--grace", "0s")
    assert shredded.exit_code == 0, shredded.output
    assert "destroyed key-encryption key kek-1" in shredded.output
    status = _status(state)
    assert status["pending_destructions"] == [] and status["destroyed_keks"] == 1
    assert [k["id"] for k in status["keks"]] == ["kek-2"]  # type: ignore[attr-defined]
    assert [e for e in _ledger_key_events(state) if e[0] != "SHREDDED"] == \
        [("ROTATED", "kek-2"), ("DESTROYED", "kek-1")]
    store, _ = open_state(StatePaths(state))
    try:
        assert [link.case_number for link in store.links_for("raj")] == [RAJ[2]]
    finally:
        store.close()


@pytest.mark.parametrize("grace", ["24", "1w", "-1h", "400d"])
def test_a_grace_that_is_no_duration_is_refused(state: Path, grace: str) -> None:
    refused = _keys(state, "shred", "ana", "--yes", "--grace", grace)
    assert refused.exit_code == 2
    assert "--grace" in refused.output and ("duration" in refused.output
                                            or "longer than" in refused.output)
    assert _status(state)["shredded_subjects"] == 0
