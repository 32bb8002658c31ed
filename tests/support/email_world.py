"""The e-mail channel over a throwaway SQLite database and in-memory subject keys, with the
demo's SMTP sink on a loopback port: what the e-mail tests share."""

from __future__ import annotations

import email
import email.policy
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from email.message import EmailMessage
from pathlib import Path

from aggregator.notify.email.settings import EmailSettings, SmtpSettings
from aggregator.notify.email.setup import EmailParts, email_parts
from aggregator.notify.model import (
    ChannelKind,
    Delivery,
    DeliveryState,
    Notification,
    Preferences,
    Released,
)
from aggregator.store import make_engine
from deploy.demo.mail_sink import MailSink
from support.sealing import MemorySealer

SECRET = b"e" * 32
PUBLIC_URL = "http://127.0.0.1:8000"


@dataclass
class MemoryPreferences:
    """The preference store's role, in memory."""

    stored: dict[str, Preferences] = field(default_factory=dict)

    def preferences(self, account_id: str) -> Preferences:
        return self.stored.get(account_id, Preferences())

    def set_preferences(self, account_id: str, preferences: Preferences) -> None:
        self.stored[account_id] = preferences


@dataclass
class EmailWorld:
    """The parts, their preferences and the sink's folder."""

    parts: EmailParts
    preferences: MemoryPreferences
    mail: Path
    sealer: MemorySealer

    def received(self) -> list[EmailMessage]:
        """Every message in the sink's folder, oldest first."""
        return [read_eml(p) for p in sorted(self.mail.glob("*.eml"))]


def read_eml(path: Path) -> EmailMessage:
    """A .eml file parsed with the standard library."""
    with path.open("rb") as file:
        parsed = email.message_from_binary_file(file, policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def body(mail: EmailMessage, subtype: str) -> str:
    """The ``text/<subtype>`` part's decoded text."""
    part = mail.get_body(preferencelist=(subtype,))
    assert part is not None and part.get_content_type() == f"text/{subtype}"
    content = part.get_content()
    assert isinstance(content, str)
    return content


def settings(port: int) -> EmailSettings:
    """The channel sending to a loopback SMTP server on ``port``."""
    return EmailSettings(smtp=SmtpSettings(host="127.0.0.1", port=port, timeout_s=10),
                         public_url=PUBLIC_URL)


@asynccontextmanager
async def email_world(tmp_path: Path, *, smtp_port: int | None = None
                      ) -> AsyncIterator[EmailWorld]:
    """The parts sending to a fresh sink (or to ``smtp_port`` when given)."""
    sink = MailSink(tmp_path / "mail")
    await sink.start()
    engine = make_engine(f"sqlite:///{tmp_path / 'aggregator.sqlite3'}")
    preferences = MemoryPreferences()
    sealer = MemorySealer()
    parts = email_parts(engine, sealer, SECRET, settings(smtp_port or sink.port), preferences)
    try:
        yield EmailWorld(parts, preferences, sink.folder, sealer)
    finally:
        await sink.stop()
        engine.dispose()


def released(recipient: str = "ana", *, language: str = "es", subject: str | None = None,
             number: str = "IOE0990000001", action: bool = True,
             due: date | None = date(2027, 2, 26)) -> Released:
    """A released notification of an evidence request at immigration."""
    now = datetime(2026, 12, 2, 14, 0, tzinfo=UTC)
    note = Notification(
        id="0123456789abcdef0123456789abcdef", recipient_id=recipient,
        subject_id=subject or recipient, agency_id="immigration", case_number=number,
        event_id="ev-1", occurred_at=now, created_at=now, category="ACTIVE",
        milestone="EVIDENCE_REQUESTED", action_required=action,
        titles={"en": "Request for Evidence Was Sent",
                "es": "Se envió una solicitud de pruebas"})
    title = note.titles[language]
    return Released(note, language, "USCIS" if language == "en" else "USCIS (inmigración)",
                    title, number, number, due)


def delivery(target: str, notification_id: str = "0123456789abcdef0123456789abcdef"
             ) -> Delivery:
    """A pending e-mail delivery to ``target``."""
    now = datetime(2026, 12, 2, 14, 0, tzinfo=UTC)
    return Delivery(id=f"d-{target}", notification_id=notification_id,
                    channel=ChannelKind.EMAIL, target=target, state=DeliveryState.PENDING,
                    attempts=0, next_attempt_at=now, created_at=now)
