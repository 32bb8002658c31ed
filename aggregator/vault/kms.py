"""Key-encryption keys behind a small interface, so a deployment can plug in an external KMS.

:class:`LocalKeyService` keeps its KEKs in the local :class:`Keyring`. A wrapped blob is
``nonce (12 bytes) | AES-256-GCM ciphertext | tag``; its associated data binds the KEK id and
the caller's ``aad``. Every wrap is counted per KEK in the keyring; when the primary KEK reaches
its limit, ``wrap`` rotates to a new KEK by itself (older ones still unwrap), well before the
2^32 random-nonce invocations NIST SP 800-38D allows one AES-GCM key.

KEKs are versioned and a version can be destroyed (crypto-shredding that outlives backups:
see ``aggregator.vault.kek_destruction``): its key material leaves the keyring file (written
durably, like every change), its id stays as destroyed, and unwrapping under it raises
:class:`KekDestroyedError`, in this process and, at their next unwrap, in every other.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Protocol

from aggregator.vault.errors import KekDestroyedError, KeyringError, KeyServiceError
from aggregator.vault.keyring import KekEntry, Keyring, KeyringContent
from caseline.v1.lib.sealed import NONCE_BYTES, SealError, associated_data, decrypt, encrypt

__all__ = ["DEFAULT_KEK_LIMIT", "KeyService", "LocalKeyService"]

DEFAULT_KEK_LIMIT = 2**30


class KeyService(Protocol):
    """Wraps small secrets (subject data keys) under key-encryption keys it never reveals."""

    def primary_id(self) -> str:
        """The id of the KEK new wraps use."""
        ...

    def wrap(self, plaintext: bytes, aad: bytes) -> tuple[str, bytes]:
        """``plaintext`` encrypted under the primary KEK for ``aad``: (KEK id, blob)."""
        ...

    def wrap_many(self, items: Sequence[tuple[bytes, bytes]]) -> list[tuple[str, bytes]]:
        """Each (plaintext, aad) wrapped as :meth:`wrap` would, in order (a rewrap moves
        every subject key after a shred: one call per batch, not per key)."""
        ...

    def unwrap(self, kek_id: str, blob: bytes, aad: bytes) -> bytes:
        """Inverse of :meth:`wrap`; KekDestroyedError if the KEK was destroyed,
        KeyServiceError if it is unknown or the blob does not open for ``aad``."""
        ...

    def destroy(self, kek_id: str) -> None:
        """Destroy the KEK version for good: nothing it wrapped unwraps again, anywhere.
        Refuses the primary KEK and unknown ids (KeyServiceError); a destroyed one is a
        no-op."""
        ...

    def destroyed_ids(self) -> list[str]:
        """The ids of destroyed KEK versions, oldest destruction first."""
        ...

    def rotate(self) -> str:
        """Add a new primary KEK and return its id; older KEKs still unwrap."""
        ...

    def key_ids(self) -> list[str]:
        """Every live KEK id, oldest first (destroyed ones are in :meth:`destroyed_ids`)."""
        ...

    def encryptions(self, kek_id: str) -> int:
        """How many wraps the KEK has done."""
        ...


def _aad(kek_id: str, aad: bytes) -> bytes:
    # The KEK id is length-prefixed, so it and the caller's aad cannot run into each other.
    return associated_data(kek_id) + aad


class LocalKeyService:
    """:class:`KeyService` over the local keyring; creates ``kek-1`` on first use."""

    def __init__(self, keyring: Keyring, *, limit: int = DEFAULT_KEK_LIMIT) -> None:
        if limit < 1:
            raise ValueError(f"the per-KEK encryption limit must be at least 1, got {limit}")
        self.keyring = keyring
        self.limit = limit
        if keyring.content().primary_kek is None:
            keyring.update(_ensure_primary)

    def primary_id(self) -> str:
        """The primary KEK's id, re-read from the keyring (another process may rotate)."""
        primary = self.keyring.reload().primary_kek
        if primary is None:
            raise KeyServiceError(f"the keyring {self.keyring.path} holds no KEK")
        return primary

    def wrap(self, plaintext: bytes, aad: bytes) -> tuple[str, bytes]:
        """Encrypt under the primary KEK, counting the wrap first (a crash then wastes a
        count rather than reusing one); rotates when the primary reached its limit."""
        kek = self.keyring.update(self._reserve)
        nonce = os.urandom(NONCE_BYTES)
        return kek.id, nonce + encrypt(kek.key, nonce, _aad(kek.id, aad), plaintext)

    def wrap_many(self, items: Sequence[tuple[bytes, bytes]]) -> list[tuple[str, bytes]]:
        """Like :meth:`wrap` for each item, with every count reserved in one keyring write
        (each wrap counted, and the limit applied, exactly as one by one)."""
        if not items:
            return []
        keks = self.keyring.update(lambda content: [self._reserve(content)
                                                    for _ in items])
        wrapped = []
        for kek, (plaintext, aad) in zip(keks, items, strict=True):
            nonce = os.urandom(NONCE_BYTES)
            wrapped.append((kek.id, nonce + encrypt(kek.key, nonce, _aad(kek.id, aad),
                                                    plaintext)))
        return wrapped

    def _reserve(self, content: KeyringContent) -> KekEntry:
        kek = _ensure_primary(content)
        if kek.encryptions >= self.limit:
            kek = content.add_kek()
        kek.encryptions += 1
        return kek

    def unwrap(self, kek_id: str, blob: bytes, aad: bytes) -> bytes:
        """Decrypt with the named KEK; an unknown id re-reads the keyring once first."""
        kek = self.keyring.kek(kek_id) or self.keyring.reload().kek(kek_id)
        if kek is None:
            content = self.keyring.content()
            destroyed = content.destroyed_kek(kek_id)
            if destroyed is not None:
                raise KekDestroyedError(
                    f"key-encryption key {kek_id} was destroyed at "
                    f"{destroyed.destroyed_at.isoformat()} (after a shred): what it wrapped "
                    f"can no longer be opened")
            known = ", ".join(k.id for k in content.keks) or "no KEK"
            raise KeyServiceError(f"unknown key-encryption key {kek_id!r}: the keyring "
                                  f"{self.keyring.path} holds {known}")
        if len(blob) < NONCE_BYTES:
            raise KeyServiceError(f"a wrapped blob starts with a {NONCE_BYTES}-byte nonce; "
                                  f"got {len(blob)} bytes")
        try:
            return decrypt(kek.key, blob[:NONCE_BYTES], _aad(kek_id, aad), blob[NONCE_BYTES:])
        except SealError as exc:
            raise KeyServiceError(f"the blob does not unwrap under {kek_id}: altered, or "
                                  f"wrapped for another owner or by another keyring") from exc

    def rotate(self) -> str:
        """Add ``kek-N+1`` as the primary KEK."""
        return self.keyring.update(lambda content: content.add_kek().id)

    def destroy(self, kek_id: str) -> None:
        """Remove the KEK's key material from the keyring file (rewritten atomically and
        fsync'd, under the cross-process lock), keeping its id as destroyed."""
        def change(content: KeyringContent) -> None:
            try:
                content.destroy_kek(kek_id, datetime.now(UTC))
            except KeyringError as exc:
                raise KeyServiceError(str(exc)) from exc

        self.keyring.update(change)

    def destroyed_ids(self) -> list[str]:
        """The destroyed KEK ids the keyring records, as it holds them now."""
        return [k.id for k in self.keyring.reload().destroyed_keks]

    def key_ids(self) -> list[str]:
        """Every KEK id in the keyring, oldest first (destroyed ones not included)."""
        return [k.id for k in self.keyring.reload().keks]

    def encryptions(self, kek_id: str) -> int:
        """The KEK's wrap count as the keyring holds it now."""
        kek = self.keyring.reload().kek(kek_id)
        if kek is None:
            raise KeyServiceError(f"unknown key-encryption key {kek_id!r}")
        return kek.encryptions


def _ensure_primary(content: KeyringContent) -> KekEntry:
    primary = content.kek(content.primary_kek) if content.primary_kek else None
    return primary or content.add_kek()
