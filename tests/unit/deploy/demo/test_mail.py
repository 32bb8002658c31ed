"""The demo's e-mail wiring: every persona has a verified demo address, and the running
sink's port is found from the state directory."""

from __future__ import annotations

from pathlib import Path

from aggregator.bootstrap import open_state_vault
from aggregator.notify.email.setup import email_addresses, email_secret
from deploy.demo.mail import (
    read_sink_port,
    seed_persona_emails,
    sink_email_settings,
    start_mail_sink,
)
from deploy.demo.personas import PERSONAS
from deploy.demo.state import DemoState


def test_every_persona_has_a_verified_demo_address(tmp_path: Path) -> None:
    """Seeded as verified (and again without change on the next start)."""
    state = DemoState(tmp_path / "state")
    vault = open_state_vault(state)
    try:
        seed_persona_emails(vault)
        seed_persona_emails(vault)
        addresses = email_addresses(vault.subject_keys.engine, vault.subject_keys,
                                    email_secret(vault.keyring))
        for persona in PERSONAS.values():
            found = addresses.state(persona.id)
            assert found is not None and found.usable
            assert found.address == f"{persona.id}@example.org"
    finally:
        vault.subject_keys.engine.dispose()


async def test_the_sinks_port_is_found_from_the_state_directory(tmp_path: Path) -> None:
    state = DemoState(tmp_path / "state")
    assert read_sink_port(state) is None
    sink = await start_mail_sink(state, "127.0.0.1")
    try:
        assert read_sink_port(state) == sink.port
        assert sink.folder == state.mail
    finally:
        await sink.stop()


async def test_a_deliverer_finds_the_sinks_settings_in_the_state_directory(
        tmp_path: Path) -> None:
    """`caseline notify deliver` sends to the running demo's sink, linking to its pages."""
    state = DemoState(tmp_path / "state")
    assert sink_email_settings(state) is None
    sink = await start_mail_sink(state, "127.0.0.1", "http://127.0.0.1:8123")
    try:
        settings = sink_email_settings(state)
        assert settings is not None
        assert (settings.smtp.host, settings.smtp.port) == ("127.0.0.1", sink.port)
        assert settings.public_url == "http://127.0.0.1:8123"
    finally:
        await sink.stop()
