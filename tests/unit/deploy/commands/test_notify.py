"""`caseline notify dead-letters` and `replay` over a state directory's outbox."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from click.testing import CliRunner

from aggregator.bootstrap import ServiceKeys, open_ledger, open_state
from aggregator.model import AgencyInfo
from aggregator.notify.delivery import DeliveryPolicy
from aggregator.notify.model import (
    ChannelKind,
    DeliveryError,
    DeliveryState,
    Preferences,
    StatusChange,
)
from aggregator.notify.runtime import NotifySettings, build_notifications
from aggregator.state import StatePaths
from deploy.cli import main
from deploy.commands.notify import mask_target
from support.notify_channels import RecordingChannel

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)


class Refusing(RecordingChannel):
    async def deliver(self, message: object, delivery: object) -> None:  # type: ignore[override]
        raise DeliveryError("HTTP 500 from receiver", permanent=True)


async def _dead_letter(root: Path) -> str:
    """One webhook delivery of ana's, dead; its id."""
    paths = StatePaths(root)
    store, vault = open_state(paths)
    keys = ServiceKeys.from_keyring(paths, vault.keyring)
    ledger = open_ledger(paths, vault.keyring)
    try:
        store.add_link("ana", "immigration", "IOE0990000001")
        parts = build_notifications(
            store, keys.ledger_references, ledger, lambda s: s,
            {"immigration": AgencyInfo("immigration", "USCIS", "USCIS")}, {},
            lambda: NOW, channels=[Refusing(root / "r.txt")],
            settings=NotifySettings(watch=False, delivery=DeliveryPolicy(max_attempts=1)))
        parts.hub.preferences.set_preferences("ana", Preferences(
            frozenset({ChannelKind.WEBHOOK})))
        parts.matcher.record(StatusChange("immigration", "1", "IOE0990000001", "e1", NOW,
                                          "ACTIVE", "UNDER_REVIEW", False, "x", {}))
        assert parts.notifier.deliverer is not None
        await parts.notifier.deliverer.drain_once()
        [dead] = parts.outbox.dead_letters(10)
        return dead.id
    finally:
        ledger.close()
        store.close()


def test_targets_are_masked_for_operators() -> None:
    """An address keeps its first letter and domain, a URL its scheme and host."""
    assert mask_target("email", "ana.morales@example.org") == "a***@example.org"
    assert mask_target("webhook", "https://hooks.lee.law/x?token=secret") == \
        "https://hooks.lee.law/…"
    assert mask_target("in_app", "ana") == "ana"


async def test_dead_letters_listed_and_replayed(tmp_path: Path) -> None:
    """The dead delivery is listed with its error; replay makes it pending once."""
    dead = await _dead_letter(tmp_path)
    runner = CliRunner()
    listed = runner.invoke(main, ["notify", "dead-letters", "--state-dir", str(tmp_path)])
    assert listed.exit_code == 0, listed.output
    assert dead in listed.output and "HTTP 500 from receiver" in listed.output
    assert "https://receiver.test/…" in listed.output
    replayed = runner.invoke(main, ["notify", "replay", dead, "--state-dir", str(tmp_path)])
    assert replayed.exit_code == 0 and "pending again" in replayed.output
    again = runner.invoke(main, ["notify", "replay", dead, "--state-dir", str(tmp_path)])
    assert again.exit_code == 1
    assert f"delivery {dead} is {DeliveryState.PENDING.value}, not dead" in again.output
    empty = runner.invoke(main, ["notify", "dead-letters", "--state-dir", str(tmp_path)])
    assert "No dead letters." in empty.output


def test_replay_refuses_what_is_not_an_id(tmp_path: Path) -> None:
    """A malformed id is refused before any state is opened."""
    result = CliRunner().invoke(main, ["notify", "replay", "../x", "--state-dir",
                                       str(tmp_path)])
    assert result.exit_code == 2
    assert "expected a delivery id of up to 32 letters and digits" in result.output
