"""E-mail notifications over a real SMTP exchange: the channel sends to the demo's sink on a
loopback port, and the tests read the .eml files it wrote."""

from __future__ import annotations

import asyncio
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from aiosmtpd.smtp import SMTP, Envelope, Session

from aggregator.notify.email.links import LinkError
from aggregator.notify.email.setup import EmailParts, seed_persona_email
from aggregator.notify.model import DeliveryError, Preferences
from support.email_world import body, delivery, email_world, read_eml, released

pytestmark = pytest.mark.integration


async def _verified(parts: EmailParts, account: str, address: str) -> str:
    return seed_persona_email(parts.addresses, account, address).address_id


async def test_a_change_reaches_a_spanish_reader_in_spanish_without_case_details(
        tmp_path: Path) -> None:
    """By default the e-mail says only that a case at the agency changed, in the reader's
    language, with the notification id as Message-ID and one-click unsubscribe headers."""
    async with email_world(tmp_path) as world:
        target = await _verified(world.parts, "ana", "ana@example.org")
        assert world.parts.channel.targets("ana") == [target]
        await world.parts.channel.deliver(released("ana"), delivery(target))
        [mail] = world.received()
        [raw] = [p.read_bytes() for p in world.mail.glob("*.eml")]
    # On the wire as URLs, not RFC 2047 encoded-words a mail client would not follow.
    assert b"\r\nList-Unsubscribe: <http://127.0.0.1:8000/me/email/unsubscribe?token=" in raw
    assert mail["Message-ID"] == "<0123456789abcdef0123456789abcdef@caseline.example>"
    assert mail["To"] == "ana@example.org"
    assert mail["From"] == "Caseline <notifications@caseline.example>"
    assert mail["Subject"] == "Hubo un cambio en un caso: USCIS (inmigración)"
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    https, mailto = (part.strip().strip("<>") for part in mail["List-Unsubscribe"].split(","))
    assert https.startswith("http://127.0.0.1:8000/me/email/unsubscribe?token=")
    assert mailto.startswith("mailto:unsubscribe@caseline.example?subject=unsubscribe")
    text, html = body(mail, "plain"), body(mail, "html")
    assert "Hay novedades sobre un caso (agencia: USCIS (inmigración))" in text
    assert "http://127.0.0.1:8000/me" in text and https in text
    assert 'lang="es"' in html
    for part in (text, html, mail["Subject"]):
        assert "IOE0990000001" not in part
        assert "solicitud de pruebas" not in part


async def test_opting_in_to_details_puts_the_case_number_and_title_in_the_mail(
        tmp_path: Path) -> None:
    """With ``email_details`` on, the e-mail names the case, its new status and due date."""
    async with email_world(tmp_path) as world:
        target = await _verified(world.parts, "raj", "raj@example.org")
        world.preferences.set_preferences("raj", Preferences(email_details=True))
        await world.parts.channel.deliver(released("raj", language="en"), delivery(target))
        [mail] = world.received()
    text = body(mail, "plain")
    assert mail["Subject"] == "Case IOE0990000001 at USCIS changed"
    assert "Now: Request for Evidence Was Sent" in text
    assert "Action required" in text and "Due February 26, 2027" in text
    assert "IOE0990000001" in body(mail, "html")


async def test_a_repeated_delivery_shows_as_a_second_file_with_the_same_message_id(
        tmp_path: Path) -> None:
    """At least once: a retry writes a second .eml, and the Message-ID tells them apart
    as one notification."""
    async with email_world(tmp_path) as world:
        target = await _verified(world.parts, "ana", "ana@example.org")
        for _ in range(2):
            await world.parts.channel.deliver(released("ana"), delivery(target))
        files = sorted(world.mail.glob("*.eml"))
        ids = {read_eml(f)["Message-ID"] for f in files}
    assert len(files) == 2
    assert ids == {"<0123456789abcdef0123456789abcdef@caseline.example>"}


async def test_an_unverified_address_is_no_target(tmp_path: Path) -> None:
    """A claimed address gets nothing but its verification e-mail until it is verified."""
    async with email_world(tmp_path) as world:
        world.parts.addresses.claim("ana", "ana@example.org")
        assert world.parts.channel.targets("ana") == []
        assert world.parts.channel.targets("nobody") == []


def _link(text: str, path: str) -> str:
    for line in text.splitlines():
        if path in line:
            return parse_qs(urlsplit(line.strip()).query)["token"][0]
    raise AssertionError(f"no {path} link in {text!r}")


async def test_the_verification_link_verifies_once(tmp_path: Path) -> None:
    """Signing in with a verified claim sends a verification e-mail; its link makes the
    address a target, and works only once."""
    async with email_world(tmp_path) as world:
        accounts = world.parts.accounts
        state = await accounts.signed_in(
            "ana", {"email": "Ana@Example.org", "email_verified": True}, "es")
        assert state is not None and not state.verified
        [mail] = world.received()
        assert mail["To"] == "Ana@example.org"
        assert mail["Subject"] == "Confirme su dirección de correo electrónico para Caseline"
        token = _link(body(mail, "plain"), "/me/email/verify")
        assert accounts.verify(token) == "ana"
        assert world.parts.channel.targets("ana") == [state.address_id]
        with pytest.raises(LinkError) as used:
            accounts.verify(token)
    assert used.value.reason == "used"


async def test_an_unverified_claim_is_not_taken(tmp_path: Path) -> None:
    """An ``email`` the provider did not verify is never stored nor written to."""
    async with email_world(tmp_path) as world:
        state = await world.parts.accounts.signed_in(
            "ana", {"email": "ana@example.org", "email_verified": False}, "es")
        assert state is None and world.received() == []


async def test_unsubscribing_stops_further_e_mails(tmp_path: Path) -> None:
    """The List-Unsubscribe link's token stops the address being a target."""
    async with email_world(tmp_path) as world:
        target = await _verified(world.parts, "ana", "ana@example.org")
        await world.parts.channel.deliver(released("ana"), delivery(target))
        [mail] = world.received()
        https = mail["List-Unsubscribe"].split(",")[0].strip().strip("<>")
        token = parse_qs(urlsplit(https).query)["token"][0]
        assert world.parts.accounts.unsubscribe(token) is True
        assert world.parts.channel.targets("ana") == []


class _Refusing:
    """An SMTP server that refuses every recipient with ``reply``."""

    def __init__(self, reply: str) -> None:
        self.reply = reply

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope,
                          address: str, options: list[str]) -> str:
        return self.reply


async def _refusing_server(reply: str) -> asyncio.Server:
    return await asyncio.get_running_loop().create_server(
        lambda: SMTP(_Refusing(reply), hostname="refusing"), "127.0.0.1", 0)


@pytest.mark.parametrize(("reply", "permanent"), [
    ("451 4.3.0 Try again later", False),
    ("550 5.1.1 No such mailbox", True),
])
async def test_smtp_replies_decide_between_retry_and_giving_up(
        tmp_path: Path, reply: str, permanent: bool) -> None:
    """A 4xx reply is a transient failure (retried); a 5xx one permanent (dead at once)."""
    server = await _refusing_server(reply)
    port = server.sockets[0].getsockname()[1]
    try:
        async with email_world(tmp_path, smtp_port=port) as world:
            target = await _verified(world.parts, "ana", "ana@example.org")
            with pytest.raises(DeliveryError) as failed:
                await world.parts.channel.deliver(released("ana"), delivery(target))
    finally:
        server.close()
        await server.wait_closed()
    assert failed.value.permanent is permanent
    assert reply.split(maxsplit=1)[0] in failed.value.message


async def test_a_server_that_is_not_there_is_a_transient_failure(tmp_path: Path) -> None:
    """Connection refused: retried later."""
    server = await _refusing_server("250 OK")
    port = server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()
    async with email_world(tmp_path, smtp_port=port) as world:
        target = await _verified(world.parts, "ana", "ana@example.org")
        with pytest.raises(DeliveryError) as failed:
            await world.parts.channel.deliver(released("ana"), delivery(target))
    assert failed.value.permanent is False
