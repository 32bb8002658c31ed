"""`caseline notify deliver` and `match` build the same ways out as the gateway: accounts'
webhooks always, e-mail when an SMTP server is configured or a demo's sink is recorded."""

from __future__ import annotations

from pathlib import Path

import click
import pytest

from aggregator.bootstrap import open_state_vault
from aggregator.notify.model import ChannelKind
from deploy.commands.notify import installation_channels
from deploy.demo.mail import seed_persona_emails, start_mail_sink
from deploy.demo.state import DemoState


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
