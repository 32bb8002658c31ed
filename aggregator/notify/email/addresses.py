"""Where each account's e-mail goes: the identity provider's verified claim, sealed under the
account's data key, usable only once Caseline verified it and until the person unsubscribes.

One row per account (``tables.email_addresses``). A new claimed address starts unverified;
the same address claimed again changes nothing (a verified one stays verified).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.engine import Engine

from aggregator.migrations import ensure_schema
from aggregator.notify.email.links import LinkError, VerifyClaim
from aggregator.notify.email.tables import email_addresses
from aggregator.store.subjects import SubjectSealer

__all__ = ["MAX_ADDRESS_CHARS", "AddressError", "AddressState", "EmailAddresses",
           "normalized_address"]

# RFC 5321's limit on a forward path, less the angle brackets.
MAX_ADDRESS_CHARS = 254
_FORBIDDEN = set('<>()[]\\,;:" ')


class AddressError(ValueError):
    """An e-mail address Caseline will not send to (the message says why)."""


def normalized_address(address: str) -> str:
    """``address`` trimmed, its domain lower-cased; AddressError when it is not a plain
    ``local@domain`` address (no display name, no comments, no control characters)."""
    if len(address) > MAX_ADDRESS_CHARS + 2:
        raise AddressError(f"an e-mail address has at most {MAX_ADDRESS_CHARS} characters, "
                           f"got {len(address)}")
    trimmed = address.strip()
    local, at, domain = trimmed.rpartition("@")
    if (not at or not local or not domain or len(trimmed) > MAX_ADDRESS_CHARS
            or "." not in domain or domain.startswith(".") or domain.endswith(".")
            or any(ord(c) < 0x21 or ord(c) == 0x7F or c in _FORBIDDEN for c in trimmed)
            or "@" in local):
        raise AddressError("expected an e-mail address like name@example.org")
    return f"{local}@{domain.lower()}"


@dataclass(frozen=True, slots=True)
class AddressState:
    """An account's address as the pages show it."""

    address_id: str
    address: str | None  # None when it no longer opens (the account's data was erased)
    verified: bool
    unsubscribed: bool
    verify_sent_at: datetime | None

    @property
    def usable(self) -> bool:
        """Whether e-mails go to it: verified, and not unsubscribed."""
        return self.verified and not self.unsubscribed


class EmailAddresses:
    """The e-mail addresses of accounts, in the aggregator's database."""

    def __init__(self, engine: Engine, sealer: SubjectSealer, reference_key: bytes,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.engine = engine
        self._sealer = sealer
        self._reference_key = reference_key
        self._clock = clock
        ensure_schema(engine)

    def _ref(self, address: str) -> str:
        return hmac.new(self._reference_key, b"email\x1f" + address.lower().encode(),
                        hashlib.sha256).hexdigest()

    @staticmethod
    def _place(account_id: str) -> tuple[str, ...]:
        return ("email-address", account_id)

    def claim(self, account_id: str, address: str) -> AddressState:
        """Record the identity provider's verified claim ``address`` for ``account_id``: a
        new address replaces the old one and starts unverified (its own id, so links and
        deliveries for the old one go nowhere); the same address keeps its state."""
        address = normalized_address(address)
        ref = self._ref(address)
        with self.engine.begin() as conn:
            row = conn.execute(select(email_addresses.c.address_ref).where(
                email_addresses.c.account_id == account_id)).first()
            if row is None or not hmac.compare_digest(row.address_ref, ref):
                values = {"address_id": _new_id(), "address_ref": ref,
                          "address_sealed": self._sealer.seal(
                              account_id, address.encode(), self._place(account_id)),
                          "created_at": self._clock(), "verified_at": None,
                          "unsubscribed_at": None, "verify_nonce": None,
                          "verify_sent_at": None}
                if row is None:
                    conn.execute(email_addresses.insert().values(account_id=account_id,
                                                                 **values))
                else:
                    conn.execute(update(email_addresses).where(
                        email_addresses.c.account_id == account_id).values(**values))
        state = self.state(account_id)
        assert state is not None  # written just above
        return state

    def seed_verified(self, account_id: str, address: str) -> AddressState:
        """The demo's seeding: ``address`` claimed and already verified (idempotent; an
        unsubscribed address stays unsubscribed)."""
        self.claim(account_id, address)
        with self.engine.begin() as conn:
            conn.execute(update(email_addresses).where(
                (email_addresses.c.account_id == account_id)
                & email_addresses.c.verified_at.is_(None)).values(verified_at=self._clock()))
        state = self.state(account_id)
        assert state is not None
        return state

    def state(self, account_id: str) -> AddressState | None:
        """The account's address and where it stands; None when it has none."""
        with self.engine.connect() as conn:
            row = conn.execute(select(email_addresses).where(
                email_addresses.c.account_id == account_id)).first()
        if row is None:
            return None
        return AddressState(row.address_id, self._open(account_id, row.address_sealed),
                            row.verified_at is not None, row.unsubscribed_at is not None,
                            row.verify_sent_at)

    def _open(self, account_id: str, sealed: bytes) -> str | None:
        try:
            return self._sealer.open(account_id, sealed, self._place(account_id)).decode()
        except ValueError:  # shredded: the account's data was erased
            return None

    def recipient(self, address_id: str) -> tuple[str, str | None] | None:
        """The account and the opened address behind ``address_id`` while it is usable
        (verified, not unsubscribed); None when unknown or not usable now."""
        with self.engine.connect() as conn:
            row = conn.execute(select(email_addresses.c.account_id,
                                      email_addresses.c.address_sealed).where(
                (email_addresses.c.address_id == address_id)
                & email_addresses.c.verified_at.is_not(None)
                & email_addresses.c.unsubscribed_at.is_(None))).first()
        if row is None:
            return None
        return row.account_id, self._open(row.account_id, row.address_sealed)

    def targets(self, account_id: str) -> list[str]:
        """The account's address id when verified and not unsubscribed; else empty."""
        with self.engine.connect() as conn:
            row = conn.execute(select(email_addresses.c.address_id).where(
                (email_addresses.c.account_id == account_id)
                & email_addresses.c.verified_at.is_not(None)
                & email_addresses.c.unsubscribed_at.is_(None))).first()
        return [] if row is None else [row.address_id]

    def begin_verification(self, account_id: str) -> tuple[str, str] | None:
        """A fresh one-time nonce for the account's address (earlier links stop working):
        ``(address_id, nonce)``; None when the account has no address."""
        nonce = secrets.token_urlsafe(24)
        with self.engine.begin() as conn:
            row = conn.execute(select(email_addresses.c.address_id).where(
                email_addresses.c.account_id == account_id)).first()
            if row is None:
                return None
            conn.execute(update(email_addresses).where(
                email_addresses.c.account_id == account_id).values(
                verify_nonce=nonce, verify_sent_at=self._clock()))
        return row.address_id, nonce

    def confirm(self, claim: VerifyClaim) -> str:
        """Verify the address a link names, once: the account id; LinkError "used" when the
        link was used already or a newer one was sent, "invalid" when the address is gone.
        Verifying also undoes an earlier unsubscribe: the person asked for e-mail again."""
        with self.engine.begin() as conn:
            row = conn.execute(select(email_addresses.c.account_id,
                                      email_addresses.c.verify_nonce).where(
                email_addresses.c.address_id == claim.address_id)).first()
            if row is None:
                raise LinkError("invalid", "the address this link verifies is no longer "
                                           "the account's")
            if row.verify_nonce is None or not hmac.compare_digest(
                    row.verify_nonce.encode(), claim.nonce.encode()):
                raise LinkError("used", "this verification link was used already, or a "
                                        "newer one was sent")
            # The nonce in the WHERE clause makes two clicks at once verify only once.
            done = conn.execute(update(email_addresses).where(
                (email_addresses.c.address_id == claim.address_id)
                & (email_addresses.c.verify_nonce == row.verify_nonce)).values(
                verify_nonce=None, verified_at=self._clock(), unsubscribed_at=None))
            if done.rowcount != 1:
                raise LinkError("used", "this verification link was used already")
        return str(row.account_id)

    def unsubscribe(self, address_id: str) -> bool:
        """Stop e-mails to ``address_id`` (idempotent); False when no such address."""
        with self.engine.begin() as conn:
            found = conn.execute(select(email_addresses.c.unsubscribed_at).where(
                email_addresses.c.address_id == address_id)).first()
            if found is None:
                return False
            if found.unsubscribed_at is None:
                conn.execute(update(email_addresses).where(
                    email_addresses.c.address_id == address_id).values(
                    unsubscribed_at=self._clock()))
        return True


def _new_id() -> str:
    return "em_" + secrets.token_hex(16)
