"""The demo's SMTP sink: each message is its own file, never replacing another; it listens
on loopback only."""

from __future__ import annotations

import asyncio
import smtplib
from datetime import UTC, datetime
from pathlib import Path

import pytest

from deploy.demo.mail_sink import MailSink, write_message

MESSAGE = b"From: a@example.org\r\nTo: b@example.org\r\nSubject: hi\r\n\r\nbody\r\n"


def test_two_messages_at_the_same_instant_are_two_files(tmp_path: Path) -> None:
    """Named by time and a random uuid, created exclusively: a repeat never overwrites."""
    now = datetime(2026, 12, 2, 14, 0, tzinfo=UTC)
    first = write_message(tmp_path, MESSAGE, now)
    second = write_message(tmp_path, MESSAGE, now)
    assert first != second
    assert first.name.startswith("20261202T140000.000000Z-") and first.suffix == ".eml"
    assert first.read_bytes() == second.read_bytes() == MESSAGE
    assert (first.stat().st_mode & 0o777) == 0o600


def test_the_sink_listens_on_loopback_only(tmp_path: Path) -> None:
    with pytest.raises(ValueError) as refused:
        MailSink(tmp_path, "192.0.2.1")
    assert str(refused.value) == "the mail sink listens on a loopback address only, not 192.0.2.1"


async def test_a_message_sent_over_smtp_lands_as_a_file(tmp_path: Path) -> None:
    """Another SMTP client than ours (the standard library's) is heard the same."""
    sink = MailSink(tmp_path / "mail")
    await sink.start()
    try:
        def send() -> None:
            with smtplib.SMTP("127.0.0.1", sink.port, timeout=10) as client:
                client.sendmail("a@example.org", ["b@example.org"], MESSAGE)

        await asyncio.to_thread(send)
    finally:
        await sink.stop()
    [path] = (tmp_path / "mail").glob("*.eml")
    assert b"Subject: hi" in path.read_bytes()
