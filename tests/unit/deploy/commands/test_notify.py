"""`caseline notify dead-letters` and `replay` over a state directory's outbox; `notify
deliver` and `match` build the same ways out as the gateway (accounts' webhooks always,
e-mail when an SMTP server is configured or a demo's sink is recorded)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner

from aggregator.bootstrap import ServiceKeys, open_ledger, open_state, open_state_vault
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
from aggregator.store import Store
from deploy.cli import main
from deploy.commands import notify as notify_command
from deploy.commands.notify import installation_channels, mask_target
from deploy.commands.state_options import open_aggregator_state
from deploy.demo.mail import seed_persona_emails, start_mail_sink
from deploy.demo.state import DemoState
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


async def test_dead_letters_and_replay_close_the_database(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run in-process (tests, tools), each command closes the store it opened, a refusal
    included: on PostgreSQL a connection left open would outlive the command."""
    dead = await _dead_letter(tmp_path)
    opened: list[Store] = []
    closed: list[Store] = []

    def opening(*args: Any) -> tuple[StatePaths, Store, Any]:
        paths, store, vault = open_aggregator_state(*args)
        opened.append(store)
        return paths, store, vault

    def closing(store: Store, close: Any = Store.close) -> None:
        closed.append(store)
        close(store)

    monkeypatch.setattr(notify_command, "open_aggregator_state", opening)
    monkeypatch.setattr(Store, "close", closing)
    runner = CliRunner()
    for args in (["dead-letters"], ["replay", dead], ["replay", dead], ["replay", "f" * 32]):
        runner.invoke(main, ["notify", *args, "--state-dir", str(tmp_path)])
        assert len(opened) == 1 and closed == opened, args
        opened.clear()
        closed.clear()


def test_replay_refuses_what_is_not_an_id(tmp_path: Path) -> None:
    """A malformed id is refused before any state is opened."""
    result = CliRunner().invoke(main, ["notify", "replay", "../x", "--state-dir",
                                       str(tmp_path)])
    assert result.exit_code == 2
    assert "expected a delivery id of up to 32 letters and digits" in result.output


# `notify deliver` and `match` build the same ways out as the gateway.

def _kinds(root: Path, environ: dict[str, str]) -> dict[ChannelKind, object]:
    vault = open_state_vault(DemoState(root))
    seed_persona_emails(vault)
    return {c.kind: c for c in installation_channels(root, vault, environ)}


def test_without_an_smtp_server_only_webhooks(tmp_path: Path) -> None:
    """No CASELINE_SMTP_HOST and no demo sink: no e-mail channel."""
    assert list(_kinds(tmp_path, {})) == [ChannelKind.WEBHOOK]


def test_an_smtp_host_in_the_environment_adds_email(tmp_path: Path) -> None:
    """The e-mail channel finds a persona's verified address as a target."""
    channels = _kinds(tmp_path, {"CASELINE_SMTP_HOST": "smtp.example.org"})
    assert list(channels) == [ChannelKind.WEBHOOK, ChannelKind.EMAIL]
    email = channels[ChannelKind.EMAIL]
    assert email.targets("ana")  # type: ignore[attr-defined]


async def test_a_demo_state_directory_sends_to_its_sink(tmp_path: Path) -> None:
    """The demo's recorded sink stands in for the environment."""
    sink = await start_mail_sink(DemoState(tmp_path), "127.0.0.1", "http://127.0.0.1:8000")
    try:
        assert list(_kinds(tmp_path, {})) == [ChannelKind.WEBHOOK, ChannelKind.EMAIL]
    finally:
        await sink.stop()


def test_a_bad_smtp_port_is_refused_by_name(tmp_path: Path) -> None:
    """The variable that is wrong is named."""
    with pytest.raises(click.ClickException, match="CASELINE_SMTP_PORT must be a port"):
        _kinds(tmp_path, {"CASELINE_SMTP_HOST": "smtp.example.org",
                          "CASELINE_SMTP_PORT": "x"})


def test_gateway_serve_refuses_a_bad_smtp_setting_before_serving(tmp_path: Path) -> None:
    """`caseline gateway serve` reads CASELINE_SMTP_*: a wrong one stops it, named."""
    from click.testing import CliRunner
    from cryptography.hazmat.primitives import serialization

    from aggregator.vault.key_files import load_or_create_ed25519
    from deploy.cli import main
    from support.http_gateway import one_agency_down

    config = tmp_path / "agencies.toml"
    config.write_text(one_agency_down(), encoding="utf-8")
    public = tmp_path / "issuer.pub.pem"
    public.write_bytes(load_or_create_ed25519(tmp_path / "issuer.pem").public_key()
                       .public_bytes(serialization.Encoding.PEM,
                                     serialization.PublicFormat.SubjectPublicKeyInfo))
    result = CliRunner().invoke(main, [
        "gateway", "serve", "--config", str(config), "--state-dir", str(tmp_path / "state"),
        "--jwt-public-key", str(public), "--jwt-issuer", "caseline-demo"],
        env={"CASELINE_SMTP_HOST": "smtp.example.org", "CASELINE_SMTP_PORT": "25x"})
    assert result.exit_code == 1
    assert "CASELINE_SMTP_PORT must be a port number, got '25x'" in result.output
