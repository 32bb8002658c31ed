"""The demo's e-mail: its SMTP sink (mail_sink.py) started beside the gateway, the personas'
demo addresses seeded as verified, and the gateway's e-mail pages wired to send through the
sink. Demo only."""

from __future__ import annotations

import json
from dataclasses import replace

from aggregator.files import replace_file
from aggregator.notify.email.accounts import EmailAccounts
from aggregator.notify.email.settings import EmailSettings, SmtpSettings
from aggregator.notify.email.setup import (
    email_accounts,
    email_addresses,
    email_secret,
    seed_persona_email,
)
from aggregator.vault import Vault
from deploy.demo.mail_sink import MailSink
from deploy.demo.personas import PERSONAS
from deploy.demo.state import DemoState
from gateway.web.app import WebSettings

__all__ = ["demo_email_settings", "read_sink_port", "seed_persona_emails", "sink_email_settings",
           "start_mail_sink", "with_email"]


def demo_email_settings(host: str, smtp_port: int, public_url: str) -> EmailSettings:
    """E-mail through the demo's sink at ``host``:``smtp_port``, linking to the demo's
    pages at ``public_url``."""
    return EmailSettings(smtp=SmtpSettings(host=host, port=smtp_port, timeout_s=10),
                         public_url=public_url)


async def start_mail_sink(state: DemoState, host: str, public_url: str = "") -> MailSink:
    """The sink listening on a free port of ``host``, its address (and ``public_url``, the
    demo's pages, for the e-mails' links) written where other processes (a deliverer) find
    it: ``STATE_DIR/mail-sink.json``."""
    sink = MailSink(state.mail, host)
    await sink.start()
    replace_file(state.mail_sink, json.dumps({"host": sink.host, "port": sink.port,
                                              "public_url": public_url}).encode())
    return sink


def read_sink_port(state: DemoState) -> int | None:
    """The port of the demo's running sink; None when none was started."""
    try:
        return int(json.loads(state.mail_sink.read_text())["port"])
    except (FileNotFoundError, KeyError, ValueError, TypeError):
        return None


def sink_email_settings(state: DemoState) -> EmailSettings | None:
    """E-mail through the sink of the demo that ran last on ``state`` (what `caseline
    notify deliver` uses there); None when no sink was started."""
    port = read_sink_port(state)
    if port is None:
        return None
    try:
        written = json.loads(state.mail_sink.read_text())
        host, public_url = str(written["host"]), str(written.get("public_url") or "")
    except (OSError, KeyError, ValueError, TypeError):
        return None
    return demo_email_settings(host, port, public_url or EmailSettings().public_url)


def seed_persona_emails(vault: Vault) -> None:
    """Each persona's demo address, verified (idempotent; an unsubscribe stays)."""
    addresses = email_addresses(vault.subject_keys.engine, vault.subject_keys,
                                email_secret(vault.keyring))
    for persona in PERSONAS.values():
        seed_persona_email(addresses, persona.id, persona.email)


def with_email(web: WebSettings, vault: Vault, settings: EmailSettings) -> WebSettings:
    """``web`` with the e-mail pages over the demo's state."""
    accounts: EmailAccounts = email_accounts(vault.subject_keys.engine, vault.subject_keys,
                                             email_secret(vault.keyring), settings)
    return replace(web, email=accounts)
