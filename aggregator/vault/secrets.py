"""The aggregator's own long-lived secrets, kept in the keyring under its protection.

Before the keyring held them they were plaintext files in ``keys/``. A state directory of that
layout is migrated on first open: the file's key goes into the keyring (written, fsync'd, its
directory fsync'd), and only then is the file removed, so a crash at any point leaves the key
in the keyring, in the file, or in both — never in neither. Both holding different keys is
refused rather than guessed at.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from aggregator.vault.errors import KeyringError
from aggregator.vault.keyring import Keyring, KeyringContent, NamedSecret

__all__ = ["keyring_ed25519", "keyring_secret", "stored_secret"]

ED25519_BYTES = 32


def stored_secret(keyring: Keyring, name: str, *, generate: Callable[[], bytes],
                  legacy_file: Path | None = None,
                  read_legacy: Callable[[bytes], bytes] = bytes) -> bytes:
    """The keyring's secret ``name``: imported from ``legacy_file`` if that still exists
    (which is then removed), else created with ``generate`` on first use.

    Several processes may open one state directory at once; the keyring's lock makes the
    first to create or import the secret win, and the others use its value.
    """
    held = keyring.content().secret(name)
    if held is not None and (legacy_file is None or not legacy_file.exists()):
        return held.value
    held = keyring.update(lambda content: _ensure(content, name, generate, legacy_file,
                                                  read_legacy))
    if legacy_file is not None:
        _remove_plaintext(legacy_file)
    return held.value


def _ensure(content: KeyringContent, name: str, generate: Callable[[], bytes],
            legacy_file: Path | None, read_legacy: Callable[[bytes], bytes]) -> NamedSecret:
    held = content.secret(name)
    legacy: bytes | None = None
    if legacy_file is not None:
        try:
            legacy = read_legacy(legacy_file.read_bytes())
        except FileNotFoundError:
            legacy = None
    if held is not None:
        if legacy is not None and legacy != held.value:
            raise KeyringError(
                f"the keyring holds the {name} key, and {legacy_file} holds a different one: "
                f"Caseline will not choose between them; keep the one your data was written "
                f"under and move the other out of {legacy_file.parent if legacy_file else ''}")
        return held
    entry = NamedSecret(name, legacy if legacy is not None else generate(), datetime.now(UTC),
                        None if legacy is None else str(legacy_file))
    content.secrets.append(entry)
    return entry


def _remove_plaintext(path: Path) -> None:
    # Only called once the keyring holding the key is durable (Keyring.update fsyncs).
    try:
        path.unlink()
    except FileNotFoundError:
        return  # another process sharing the state directory removed it first
    fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def keyring_secret(keyring: Keyring, name: str, legacy_file: Path | None = None,
                   size: int = 32) -> bytes:
    """A random ``size``-byte secret kept in the keyring (an HMAC key)."""

    def check(data: bytes) -> bytes:
        if len(data) != size:
            raise KeyringError(f"{legacy_file} must hold exactly {size} bytes to be imported "
                               f"into the keyring; it holds {len(data)}")
        return data

    value = stored_secret(keyring, name, generate=lambda: os.urandom(size),
                          legacy_file=legacy_file, read_legacy=check)
    if len(value) != size:
        raise KeyringError(f"the keyring's {name} secret has {len(value)} bytes, not {size}")
    return value


def _raw_ed25519(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                             serialization.NoEncryption())


def keyring_ed25519(keyring: Keyring, name: str,
                    legacy_pem: Path | None = None) -> Ed25519PrivateKey:
    """An Ed25519 signing key kept in the keyring (its raw 32-byte seed)."""

    def from_pem(data: bytes) -> bytes:
        try:
            key = serialization.load_pem_private_key(data, password=None)
        except (ValueError, TypeError) as exc:
            raise KeyringError(f"{legacy_pem} is not an unencrypted PEM private key, so it "
                               "cannot be imported into the keyring") from exc
        if not isinstance(key, Ed25519PrivateKey):
            raise KeyringError(f"{legacy_pem} does not hold an Ed25519 private key")
        return _raw_ed25519(key)

    value = stored_secret(keyring, name,
                          generate=lambda: _raw_ed25519(Ed25519PrivateKey.generate()),
                          legacy_file=legacy_pem, read_legacy=from_pem)
    if len(value) != ED25519_BYTES:
        raise KeyringError(f"the keyring's {name} key has {len(value)} bytes, not "
                           f"{ED25519_BYTES}")
    return Ed25519PrivateKey.from_private_bytes(value)
