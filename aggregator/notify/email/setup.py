"""Building the e-mail channel's parts over an installation's database and keyring: one
place, so the gateway (verification and unsubscribe pages), the deliverer (the channel) and
the demo's seeding share the same keys and tables."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.engine import Engine

from aggregator.notify.email.accounts import EmailAccounts
from aggregator.notify.email.addresses import AddressState, EmailAddresses
from aggregator.notify.email.channel import EmailChannel
from aggregator.notify.email.links import LinkSigner
from aggregator.notify.email.settings import EmailSettings
from aggregator.notify.ports import PreferenceStore
from aggregator.store.subjects import SubjectSealer
from aggregator.vault.keyring import Keyring
from aggregator.vault.secrets import keyring_secret

__all__ = ["EmailParts", "email_accounts", "email_addresses", "email_parts", "email_secret",
           "seed_persona_email"]

_SECRET_NAME = "email"


def email_secret(keyring: Keyring) -> bytes:
    """The keyring's e-mail secret (created on first use): signs the e-mails' links and
    keys the addresses' references."""
    return keyring_secret(keyring, _SECRET_NAME)


def _derived(secret: bytes, purpose: str) -> bytes:
    return hmac.new(secret, f"caseline-email-{purpose}".encode(), hashlib.sha256).digest()


def email_addresses(engine: Engine, sealer: SubjectSealer, secret: bytes,
                    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
                    ) -> EmailAddresses:
    """The address store in the aggregator's database ``engine`` (its table created if
    missing), addresses sealed with ``sealer`` (the vault's subject keys)."""
    return EmailAddresses(engine, sealer, _derived(secret, "address-ref"), clock)


@dataclass(frozen=True, slots=True)
class EmailParts:
    """The channel the deliverer drives and the accounts side the pages use."""

    addresses: EmailAddresses
    links: LinkSigner
    channel: EmailChannel
    accounts: EmailAccounts


def email_accounts(engine: Engine, sealer: SubjectSealer, secret: bytes,
                   settings: EmailSettings,
                   clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> EmailAccounts:
    """What the pages need (a gateway process): addresses, links, verification e-mails."""
    return EmailAccounts(email_addresses(engine, sealer, secret, clock),
                         LinkSigner(_derived(secret, "links"), settings.verify_ttl_s),
                         settings, clock)


def email_parts(engine: Engine, sealer: SubjectSealer, secret: bytes,
                settings: EmailSettings, preferences: PreferenceStore,
                clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> EmailParts:
    """Every part of the e-mail channel over one database and secret; the deliverer takes
    ``.channel`` (it reads ``preferences`` for each e-mail's level of detail)."""
    accounts = email_accounts(engine, sealer, secret, settings, clock)
    return EmailParts(accounts.addresses, accounts.links,
                      EmailChannel(accounts.addresses, accounts.links, preferences, settings,
                                   clock),
                      accounts)


def seed_persona_email(addresses: EmailAddresses, account_id: str,
                       address: str) -> AddressState:
    """A demo persona's address, already verified (idempotent). Whether e-mail is on is the
    preferences' business: the demo turns ``ChannelKind.EMAIL`` on for the personas."""
    return addresses.seed_verified(account_id, address)
