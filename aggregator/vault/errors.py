"""The vault's errors: all ValueError subclasses, as the store's sealer contract expects."""

from __future__ import annotations

__all__ = ["CustodianError", "KekDestroyedError", "KeyServiceError", "KeyringError",
           "ShreddedError", "VaultError"]


class VaultError(ValueError):
    """Something in the aggregator's key management refused or failed."""


class KeyringError(VaultError):
    """The keyring file cannot be read, opened or written as asked."""


class KeyServiceError(VaultError):
    """The key service cannot wrap or unwrap as asked (unknown key, altered blob)."""


class KekDestroyedError(KeyServiceError):
    """The key-encryption key was destroyed (after a shred): what it wrapped never opens."""


class CustodianError(VaultError):
    """The key custodian cannot unwrap an agency's data key."""


class ShreddedError(VaultError):
    """The subject's keys were shredded: their data can no longer be sealed or opened."""
