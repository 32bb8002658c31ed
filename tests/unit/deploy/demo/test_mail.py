"""The demo's e-mail wiring: every persona has a verified demo address, and the running
sink's port is found from the state directory."""

from __future__ import annotations

from pathlib import Path

from aggregator.bootstrap import open_state_vault
from aggregator.notify.email.setup import email_addresses, email_secret
from deploy.demo.mail import read_sink_port, seed_persona_emails, start_mail_sink
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
