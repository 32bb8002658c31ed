"""The key custodian: unwraps the data keys agencies wrap to it (RFC 9180 HPKE, X25519).

Its private keys come from the keyring and never leave this object: it answers with public
keys and unwrapped data keys only.
"""

from __future__ import annotations

import threading
from typing import Any

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey

from aggregator.vault.errors import CustodianError
from aggregator.vault.keyring import Keyring, KeyringContent
from caseline.v1.lib.key_wrap import WrapError, custodian_key_id, public_jwk, unwrap_data_key

__all__ = ["KeyCustodian"]


class KeyCustodian:
    """Holds the custodian's X25519 private keys; creates the first on first use."""

    def __init__(self, keyring: Keyring) -> None:
        self._keyring = keyring
        self._lock = threading.Lock()
        self._keys: dict[str, X25519PrivateKey] = {}
        self._primary = ""
        content = keyring.content()
        if content.primary_custodian is None:
            keyring.update(_ensure_primary)
            content = keyring.content()
        self._load(content)

    def _load(self, content: KeyringContent) -> None:
        keys: dict[str, X25519PrivateKey] = {}
        for entry in content.custodian_keys:
            private = X25519PrivateKey.from_private_bytes(entry.private)
            if custodian_key_id(private.public_key()) != entry.kid:
                raise CustodianError(f"the keyring's custodian key {entry.kid!r} does not "
                                     f"match its kid; the keyring is inconsistent")
            keys[entry.kid] = private
        if content.primary_custodian not in keys:
            raise CustodianError("the keyring names no primary custodian key")
        with self._lock:
            self._keys = keys
            self._primary = content.primary_custodian

    def reload(self) -> None:
        """Re-read the keyring (another process may have rotated the custodian key)."""
        self._load(self._keyring.reload())

    @property
    def primary_kid(self) -> str:
        """The kid adapters should wrap new data keys to."""
        return self._primary

    def kids(self) -> list[str]:
        """Every custodian kid this custodian unwraps for, primary first."""
        with self._lock:
            return [self._primary, *(k for k in self._keys if k != self._primary)]

    def primary_public_key(self) -> X25519PublicKey:
        """The public half of the primary custodian key."""
        with self._lock:
            return self._keys[self._primary].public_key()

    def public_jwks(self) -> list[dict[str, Any]]:
        """Public JWKs of every custodian key, primary first (adapters wrap to the first)."""
        with self._lock:
            keys = dict(self._keys)
        return [public_jwk(keys[kid].public_key()) for kid in self.kids()]

    def unwrap(self, wrapped: bytes, data_key_id: str, custodian_kid: str,
               place: tuple[str, ...]) -> bytes:
        """The data key wrapped to ``custodian_kid`` for ``place`` (agency, case, subject);
        CustodianError if the kid is unknown (after one keyring re-read) or it does not
        unwrap."""
        with self._lock:
            private = self._keys.get(custodian_kid)
        if private is None:
            self.reload()
            with self._lock:
                private = self._keys.get(custodian_kid)
        if private is None:
            raise CustodianError(f"unknown custodian key {custodian_kid!r}: the data key was "
                                 f"wrapped to a key this aggregator does not hold (known: "
                                 f"{', '.join(self.kids())})")
        try:
            return unwrap_data_key(private, wrapped, data_key_id, place)
        except WrapError as exc:
            raise CustodianError(f"data key {data_key_id!r} does not unwrap with custodian key "
                                 f"{custodian_kid!r}: {exc}") from exc

    def rotate(self) -> str:
        """Add a new primary custodian key and return its kid; older keys still unwrap."""
        content = self._keyring.update(_rotate)
        self._load(content)
        assert content.primary_custodian is not None
        return content.primary_custodian

    def status(self) -> list[dict[str, Any]]:
        """Custodian kids and which is primary (no key material), primary first."""
        return [{"kid": kid, "primary": kid == self._primary} for kid in self.kids()]


def _ensure_primary(content: KeyringContent) -> None:
    if content.primary_custodian is None:
        content.add_custodian_key()


def _rotate(content: KeyringContent) -> KeyringContent:
    content.add_custodian_key()
    return content
