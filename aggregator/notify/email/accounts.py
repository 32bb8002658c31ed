"""What the pages do with e-mail addresses: take the identity provider's verified claim at
sign-in, send the verification e-mail, follow a verification or unsubscribe link."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

from aggregator.notify.email.addresses import AddressError, AddressState, EmailAddresses
from aggregator.notify.email.compose import compose
from aggregator.notify.email.links import LinkSigner
from aggregator.notify.email.render import VerifyMail, render_verify
from aggregator.notify.email.settings import EmailSettings
from aggregator.notify.email.smtp import send

__all__ = ["RESEND_AFTER_S", "SIGN_IN_WAIT_S", "EmailAccounts", "ResendTooSoon", "claimed_address"]

log = logging.getLogger(__name__)

# A verification e-mail is sent at most once a minute per account: the resend button must
# not make Caseline a way to flood someone's mailbox.
RESEND_AFTER_S = 60
# How long a sign-in waits for its verification e-mail to be handed over.
SIGN_IN_WAIT_S = 2.0


class ResendTooSoon(Exception):
    """A verification e-mail went out less than ``RESEND_AFTER_S`` seconds ago."""

    def __init__(self, seconds: int) -> None:
        super().__init__(f"a verification e-mail was sent recently; try again in {seconds} s")
        self.seconds = seconds


def claimed_address(claims: Mapping[str, object]) -> str | None:
    """The ID token's ``email`` when its ``email_verified`` is true (the provider checked
    it belongs to the person); None otherwise (OpenID Connect Core 5.1)."""
    email, verified = claims.get("email"), claims.get("email_verified")
    # Some providers send the boolean as a string.
    if isinstance(email, str) and email and (verified is True or verified == "true"):
        return email
    return None


class EmailAccounts:
    """The pages' side of e-mail addresses over ``addresses``."""

    def __init__(self, addresses: EmailAddresses, links: LinkSigner, settings: EmailSettings,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.addresses = addresses
        self.links = links
        self.settings = settings
        self._clock = clock
        self._sending: set[asyncio.Future[None]] = set()

    def state(self, account_id: str) -> AddressState | None:
        """The account's address and where it stands."""
        return self.addresses.state(account_id)

    async def signed_in(self, account_id: str, claims: Mapping[str, object],
                        language: str) -> AddressState | None:
        """Take the provider's verified address from ``claims``; a new one gets its
        verification e-mail now (a failure to send is logged: the person can resend)."""
        address = claimed_address(claims)
        if address is None:
            return await asyncio.to_thread(self.addresses.state, account_id)
        try:
            state = await asyncio.to_thread(self.addresses.claim, account_id, address)
        except AddressError as exc:
            log.warning("the identity provider's e-mail claim is not usable: %s", exc)
            return await asyncio.to_thread(self.addresses.state, account_id)
        if not state.verified and state.verify_sent_at is None:
            sending = asyncio.ensure_future(self._send_quietly(account_id, language))
            self._sending.add(sending)  # kept referenced until done
            sending.add_done_callback(self._sending.discard)
            # Usually sent before the person lands; a slow server does not hold the sign-in
            # (the e-mail then follows in the background).
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(sending), SIGN_IN_WAIT_S)
        return await asyncio.to_thread(self.addresses.state, account_id)

    async def _send_quietly(self, account_id: str, language: str) -> None:
        try:
            await self.send_verification(account_id, language)
        except Exception as exc:  # sign-in goes on; the page offers to send it again
            log.warning("could not send the verification e-mail: %s", exc)

    async def send_verification(self, account_id: str, language: str) -> bool:
        """Send the account's address a verification e-mail with a fresh one-time link
        (earlier links stop working). False when the account has no address;
        ResendTooSoon within a minute of the last one; DeliveryError when the SMTP server
        did not take it."""
        state = await asyncio.to_thread(self.addresses.state, account_id)
        if state is None or state.address is None:
            return False
        if state.verify_sent_at is not None:
            since = self._clock() - _utc(state.verify_sent_at)
            wait = timedelta(seconds=RESEND_AFTER_S) - since
            if wait > timedelta(0):
                raise ResendTooSoon(max(1, int(wait.total_seconds()) + 1))
        begun = await asyncio.to_thread(self.addresses.begin_verification, account_id)
        if begun is None:
            return False
        address_id, nonce = begun
        token = self.links.verify_token(address_id, nonce)
        rendered = render_verify(VerifyMail(
            language, self.settings.url(f"/me/email/verify?token={quote(token, safe='')}"),
            max(1, self.settings.verify_ttl_s // 3600)))
        mail = compose(rendered, sender=self.settings.sender, to=state.address,
                       language=language, sent_at=self._clock(),
                       domain=self.settings.message_id_domain)
        await send(mail, envelope_sender=self.settings.envelope_sender,
                   recipient=state.address, smtp=self.settings.smtp)
        return True

    def verify(self, token: str) -> str:
        """Follow a verification link: the account whose address is now verified;
        LinkError ("invalid", "expired", "used") otherwise."""
        return self.addresses.confirm(self.links.check_verify(token))

    def check_unsubscribe(self, token: str) -> str:
        """The address id an unsubscribe link names; LinkError when it is not one."""
        return self.links.check_unsubscribe(token)

    def unsubscribe(self, token: str) -> bool:
        """Follow an unsubscribe link: no more e-mails to its address (idempotent);
        LinkError when the token is not one of ours; False when the address is gone."""
        return self.addresses.unsubscribe(self.links.check_unsubscribe(token))


def _utc(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes; they were written in UTC.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
