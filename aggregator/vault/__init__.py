"""The aggregator's at-rest key management: keyring, key service, key custodian and
per-subject keys (crypto-shredding).

keyring.py       the local keyring file: key-encryption keys and the custodian's private keys
kms.py           key-encryption keys behind a small interface, for an external KMS
custodian.py     unwraps the data keys agencies wrap to it (HPKE)
subject_keys.py  per-subject data keys: counted, rotated, rewrapped, shredded
kek_destruction.py  destroying the KEKs that wrapped a shredded subject's keys (after a grace)
opening.py       opening a read's sealed fields within what the policy released
pseudonyms.py    keyed pseudonyms of subjects
secrets.py       the aggregator's own long-lived secrets, kept in the keyring
key_files.py     Ed25519 and HMAC key files; admin.py: rotate, rewrap, shred (in the ledger)
tables.py        the vault's tables; errors.py its errors
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from aggregator.files import private_dir
from aggregator.vault.custodian import KeyCustodian
from aggregator.vault.errors import (
    CustodianError,
    KekDestroyedError,
    KeyringError,
    KeyServiceError,
    ShreddedError,
    VaultError,
)
from aggregator.vault.kek_destruction import DEFAULT_GRACE
from aggregator.vault.keyring import ENV_KEY, ENV_PASSPHRASE, Keyring, Protection
from aggregator.vault.kms import DEFAULT_KEK_LIMIT, KeyService, LocalKeyService
from aggregator.vault.subject_keys import DEFAULT_SUBJECT_KEY_LIMIT, SubjectKeys, keys_per_kek

__all__ = [
    "DEFAULT_GRACE",
    "DEFAULT_KEK_LIMIT",
    "DEFAULT_SUBJECT_KEY_LIMIT",
    "ENV_KEY",
    "ENV_PASSPHRASE",
    "CustodianError",
    "KekDestroyedError",
    "KeyCustodian",
    "KeyService",
    "KeyServiceError",
    "Keyring",
    "KeyringError",
    "LocalKeyService",
    "Protection",
    "ShreddedError",
    "SubjectKeys",
    "Vault",
    "VaultError",
    "open_vault",
]

log = logging.getLogger("caseline.aggregator.vault")


@dataclass(frozen=True)
class Vault:
    """The key-management parts the composition root wires in."""

    keyring: Keyring
    kms: KeyService
    custodian: KeyCustodian
    subject_keys: SubjectKeys

    def status(self) -> dict[str, Any]:
        """Everything ``caseline keys status`` shows; ids and counts, no key material."""
        secrets = [{"name": s.name, "created_at": s.created_at.isoformat(),
                    "imported_from": s.imported_from} for s in self.keyring.content().secrets]
        return {"keyring": {"path": str(self.keyring.path),
                            "protection": self.keyring.protection,
                            "secrets": secrets},
                **self.subject_keys.status(),
                "custodian_keys": self.custodian.status()}


def open_vault(state_dir: Path, engine: Engine, *, kms: KeyService | None = None,
               environ: Mapping[str, str] | None = None,
               grace: timedelta = DEFAULT_GRACE) -> Vault:
    """The vault of a state directory (keyring under ``state_dir/keys/``) whose subject keys
    live in ``engine``'s database; ``kms`` replaces the local key service (an external KMS);
    ``grace`` is how long after a shred the old key-encryption keys are destroyed."""
    private_dir(state_dir)
    keyring = Keyring.in_state_dir(state_dir, environ=environ)
    if kms is None:  # checked before the local key service would create a keyring
        _check_keks_present(keyring, keys_per_kek(engine))
    service = kms if kms is not None else LocalKeyService(keyring)
    return Vault(keyring, service, KeyCustodian(keyring),
                 SubjectKeys(engine, service, grace=grace))


def _check_keks_present(keyring: Keyring, in_use: Mapping[str, int]) -> None:
    """Refuse to start over a keyring that lacks KEKs the database's subject keys need.

    Starting anyway would create a fresh keyring (or carry on with an old one) and only fail
    later, read by read, with every sealed value of those subjects beyond recovery; an
    operator who restores the right file loses nothing.
    """
    if not in_use:
        return
    restore = ("restore the keyring that holds them from a backup (with keyring.key beside "
               f"it, or the {ENV_KEY} or {ENV_PASSPHRASE} it was written under); nothing was "
               "created or changed")
    count = sum(in_use.values())
    if not keyring.path.exists():
        raise KeyringError(
            f"{keyring.path} is missing, but the database holds {count} subject key(s) "
            f"wrapped under its key-encryption keys ({', '.join(sorted(in_use))}): without "
            f"them those subjects' sealed data cannot be opened; {restore}")
    content = keyring.content()
    destroyed = sorted(set(in_use) & {k.id for k in content.destroyed_keks})
    if destroyed:
        # Only a database restored from before the destruction has these; refusing to start
        # would not bring them back (that is what destroying them was for).
        log.warning("subject keys wrapped under destroyed key-encryption keys cannot be "
                    "opened: the database predates their destruction", extra={
                        "count": sum(in_use[k] for k in destroyed), "keks": destroyed})
    missing = sorted(set(in_use) - {k.id for k in content.keks} - set(destroyed))
    if missing:
        lost = sum(in_use[k] for k in missing)
        raise KeyringError(
            f"{keyring.path} lacks the key-encryption keys {', '.join(missing)} that {lost} "
            f"subject key(s) in the database are wrapped under (an older copy?); {restore}")
