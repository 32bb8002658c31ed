"""Taking the identity provider's claim: only a verified ``email`` counts, a new address is
sent its verification e-mail once, resending waits a minute."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from aiosmtpd.smtp import SMTP, Envelope, Session

from aggregator.notify.email import accounts as accounts_module
from aggregator.notify.email.accounts import ResendTooSoon, claimed_address
from support.email_world import email_world


@pytest.mark.parametrize(("claims", "taken"), [
    ({"email": "ana@example.org", "email_verified": True}, "ana@example.org"),
    ({"email": "ana@example.org", "email_verified": "true"}, "ana@example.org"),
    ({"email": "ana@example.org", "email_verified": False}, None),
    ({"email": "ana@example.org"}, None),
    ({"email": "", "email_verified": True}, None),
    ({"email": ["ana@example.org"], "email_verified": True}, None),
    ({}, None),
])
def test_only_a_verified_email_claim_is_taken(claims: dict[str, object],
                                              taken: str | None) -> None:
    """OpenID Connect: ``email_verified`` true says the provider checked the address."""
    assert claimed_address(claims) == taken


async def test_signing_in_again_sends_no_second_verification(tmp_path: Path) -> None:
    """The verification e-mail goes out once per new address, not at every sign-in."""
    async with email_world(tmp_path) as world:
        claims = {"email": "ana@example.org", "email_verified": True}
        await world.parts.accounts.signed_in("ana", claims, "en")
        await world.parts.accounts.signed_in("ana", claims, "en")
        assert len(world.received()) == 1
        with pytest.raises(ResendTooSoon) as soon:
            await world.parts.accounts.send_verification("ana", "en")
    assert 1 <= soon.value.seconds <= 61


async def test_a_claim_that_is_no_address_is_ignored(tmp_path: Path) -> None:
    """A provider's odd claim neither fails the sign-in nor becomes a target."""
    async with email_world(tmp_path) as world:
        state = await world.parts.accounts.signed_in(
            "ana", {"email": "not an address", "email_verified": True}, "en")
        assert state is None and world.received() == []


class _Holding:
    """An SMTP server that takes a message only once ``release`` is set."""

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.taken = asyncio.Event()

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        await self.release.wait()
        self.taken.set()
        return "250 OK"


async def test_a_slow_mail_server_does_not_hold_the_sign_in(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The sign-in goes on while the verification e-mail is still being handed over; the
    e-mail follows."""
    monkeypatch.setattr(accounts_module, "SIGN_IN_WAIT_S", 0.05)
    holding = _Holding()
    server = await asyncio.get_running_loop().create_server(
        lambda: SMTP(holding, hostname="slow"), "127.0.0.1", 0)
    try:
        async with email_world(tmp_path, smtp_port=server.sockets[0].getsockname()[1]
                               ) as world:
            state = await world.parts.accounts.signed_in(
                "ana", {"email": "ana@example.org", "email_verified": True}, "en")
            assert state is not None and state.verify_sent_at is not None
            assert not holding.taken.is_set()
            holding.release.set()
            await asyncio.wait_for(holding.taken.wait(), 30)
    finally:
        server.close()
        await server.wait_closed()
