"""Sealed fields, part of the caseline.v1 contract (hand-written, not generated).

A sensitive field leaves an agency as a sealed value: AES-256-GCM under a data key, with a
fresh random 96-bit nonce per value. Layout (all lengths big-endian)::

    version (1 byte, 0x01) | key id length (1 byte) | key id (UTF-8) | nonce (12 bytes)
    | ciphertext | tag (16 bytes)

The associated data binds the value to where it belongs, so a ciphertext copied to another
field, case or subject does not open: ``associated_data(agency, case number, field path,
subject pseudonym, key id)``, each part as a 4-byte length and its UTF-8 bytes.
"""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

__all__ = [
    "KEY_BYTES",
    "NONCE_BYTES",
    "TAG_BYTES",
    "VERSION",
    "DataKey",
    "SealError",
    "associated_data",
    "decrypt",
    "encrypt",
    "key_id_of",
    "open_value",
    "seal_value",
]

VERSION = 1
KEY_BYTES = 32
NONCE_BYTES = 12
TAG_BYTES = 16


class SealError(ValueError):
    """A value that is malformed, or does not open under this key and context."""


def associated_data(*parts: str) -> bytes:
    """Length-prefixed encoding: no two different part lists give the same bytes."""
    chunks = []
    for part in parts:
        data = part.encode()
        chunks.append(len(data).to_bytes(4, "big"))
        chunks.append(data)
    return b"".join(chunks)


def _cipher(key: bytes) -> AESGCM:
    if len(key) != KEY_BYTES:
        raise SealError(f"AES-256-GCM needs a {KEY_BYTES}-byte key, got {len(key)} bytes")
    return AESGCM(key)


def encrypt(key: bytes, nonce: bytes, aad: bytes, plaintext: bytes) -> bytes:
    """AES-256-GCM: ciphertext || 16-byte tag. Only 96-bit nonces are accepted."""
    if len(nonce) != NONCE_BYTES:
        raise SealError(f"nonce must be {NONCE_BYTES} bytes (96 bits), got {len(nonce)}")
    return _cipher(key).encrypt(nonce, plaintext, aad)


def decrypt(key: bytes, nonce: bytes, aad: bytes, ciphertext_and_tag: bytes) -> bytes:
    """Inverse of :func:`encrypt`; SealError when anything was altered."""
    if len(nonce) != NONCE_BYTES:
        raise SealError(f"nonce must be {NONCE_BYTES} bytes (96 bits), got {len(nonce)}")
    if len(ciphertext_and_tag) < TAG_BYTES:
        raise SealError("sealed value is shorter than its tag")
    try:
        return _cipher(key).decrypt(nonce, ciphertext_and_tag, aad)
    except InvalidTag as exc:
        raise SealError("sealed value does not open: altered, or wrong key or context") from exc


def key_id_of(sealed: bytes) -> str:
    """The key id in a sealed value's header (to pick the key before opening)."""
    return _header(sealed)[0]


def _header(sealed: bytes) -> tuple[str, int]:
    if len(sealed) < 2 or sealed[0] != VERSION:
        raise SealError(f"not a sealed value of version {VERSION}")
    length = sealed[1]
    end = 2 + length
    if length == 0 or len(sealed) < end + NONCE_BYTES + TAG_BYTES:
        raise SealError("sealed value is truncated")
    try:
        return sealed[2:end].decode(), end
    except UnicodeDecodeError as exc:
        raise SealError("sealed value's key id is not UTF-8") from exc


def seal_value(key: bytes, key_id: str, plaintext: bytes, context: tuple[str, ...]) -> bytes:
    """Seal ``plaintext`` under ``key`` for ``context`` (agency, case, field path, subject)."""
    encoded_id = key_id.encode()
    if not 0 < len(encoded_id) < 256:
        raise SealError("key id must be 1 to 255 bytes")
    nonce = os.urandom(NONCE_BYTES)
    body = encrypt(key, nonce, associated_data(*context, key_id), plaintext)
    return bytes([VERSION, len(encoded_id)]) + encoded_id + nonce + body


def open_value(key: bytes, sealed: bytes, context: tuple[str, ...]) -> bytes:
    """The plaintext of a sealed value, if ``key`` and ``context`` are the ones it was sealed
    for; SealError otherwise."""
    key_id, end = _header(sealed)
    nonce = sealed[end:end + NONCE_BYTES]
    return decrypt(key, nonce, associated_data(*context, key_id), sealed[end + NONCE_BYTES:])


class DataKey:
    """One data key with its id, keeping its cipher: sealing many fields under one key does
    not set the key up again for each value."""

    __slots__ = ("_cipher", "_header", "_id_part", "key_id")

    def __init__(self, key: bytes, key_id: str) -> None:
        encoded_id = key_id.encode()
        if not 0 < len(encoded_id) < 256:
            raise SealError("key id must be 1 to 255 bytes")
        self._cipher = _cipher(key)
        self.key_id = key_id
        self._header = bytes([VERSION, len(encoded_id)]) + encoded_id
        self._id_part = associated_data(key_id)

    def seal(self, plaintext: bytes, context: tuple[str, ...]) -> bytes:
        """As :func:`seal_value` with this key."""
        return self.seal_bound(plaintext, associated_data(*context))

    def seal_bound(self, plaintext: bytes, context_data: bytes) -> bytes:
        """As :meth:`seal` with the context already encoded by :func:`associated_data` (for
        callers sealing many values that share most of their context)."""
        nonce = os.urandom(NONCE_BYTES)
        body = self._cipher.encrypt(nonce, plaintext, context_data + self._id_part)
        return self._header + nonce + body

    def open(self, sealed: bytes, context: tuple[str, ...]) -> bytes:
        """As :func:`open_value` with this key; SealError also when the value names another
        key id."""
        return self.open_bound(sealed, associated_data(*context))

    def open_bound(self, sealed: bytes, context_data: bytes) -> bytes:
        """As :meth:`open` with the context already encoded by :func:`associated_data`."""
        key_id, end = _header(sealed)
        if key_id != self.key_id:
            raise SealError(f"sealed value names key {key_id!r}, not {self.key_id!r}")
        nonce = sealed[end:end + NONCE_BYTES]
        try:
            return self._cipher.decrypt(nonce, sealed[end + NONCE_BYTES:],
                                        context_data + self._id_part)
        except InvalidTag as exc:
            raise SealError("sealed value does not open: altered, or wrong key or "
                            "context") from exc
