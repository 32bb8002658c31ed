"""The aggregator's at-rest key management: keyring, key service, key custodian and
per-subject keys (crypto-shredding)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from aggregator.vault.custodian import KeyCustodian
from aggregator.vault.errors import (
    CustodianError,
    KeyringError,
    KeyServiceError,
    ShreddedError,
    VaultError,
)
from aggregator.vault.keyring import ENV_KEY, ENV_PASSPHRASE, Keyring, Protection
from aggregator.vault.kms import DEFAULT_KEK_LIMIT, KeyService, LocalKeyService
from aggregator.vault.subject_keys import DEFAULT_SUBJECT_KEY_LIMIT, SubjectKeys

__all__ = [
    "DEFAULT_KEK_LIMIT",
    "DEFAULT_SUBJECT_KEY_LIMIT",
    "ENV_KEY",
    "ENV_PASSPHRASE",
    "CustodianError",
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


@dataclass(frozen=True)
class Vault:
    """The key-management parts the composition root wires in."""

    keyring: Keyring
    kms: KeyService
    custodian: KeyCustodian
    subject_keys: SubjectKeys

    def status(self) -> dict[str, Any]:
        """Everything ``caseline keys status`` shows; ids and counts, no key material."""
        return {"keyring": {"path": str(self.keyring.path),
                            "protection": self.keyring.protection},
                **self.subject_keys.status(),
                "custodian_keys": self.custodian.status()}


def open_vault(state_dir: Path, engine: Engine, *, kms: KeyService | None = None,
               environ: Mapping[str, str] | None = None) -> Vault:
    """The vault of a state directory (keyring under ``state_dir/keys/``) whose subject keys
    live in ``engine``'s database; ``kms`` replaces the local key service (an external KMS)."""
    keyring = Keyring.in_state_dir(state_dir, environ=environ)
    service = kms if kms is not None else LocalKeyService(keyring)
    return Vault(keyring, service, KeyCustodian(keyring), SubjectKeys(engine, service))
