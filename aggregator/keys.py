"""Key files in the state directory: Ed25519 signing keys and HMAC secrets (mode 0600)."""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

__all__ = ["jwk_of", "key_id_of", "load_or_create_ed25519", "load_or_create_secret"]


def _write_private(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def load_or_create_ed25519(path: Path) -> Ed25519PrivateKey:
    """The Ed25519 key stored at ``path`` (PKCS#8 PEM), created on first use."""
    if path.exists():
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError(f"{path} does not hold an Ed25519 private key")
        return key
    key = Ed25519PrivateKey.generate()
    _write_private(path, key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return key


def load_or_create_secret(path: Path, size: int = 32) -> bytes:
    """A random secret stored at ``path``, created on first use."""
    if path.exists():
        data = path.read_bytes()
        if len(data) != size:
            raise ValueError(f"{path} must hold exactly {size} bytes")
        return data
    data = secrets.token_bytes(size)
    _write_private(path, data)
    return data


def _raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def key_id_of(key: Ed25519PublicKey) -> str:
    """RFC 7638 thumbprint of the public key, used as ``kid``."""
    canonical = f'{{"crv":"Ed25519","kty":"OKP","x":"{_b64url(_raw_public(key))}"}}'
    return _b64url(hashlib.sha256(canonical.encode()).digest())


def jwk_of(key: Ed25519PublicKey) -> dict[str, Any]:
    """The public key as a JWK."""
    return {"kty": "OKP", "crv": "Ed25519", "x": _b64url(_raw_public(key)),
            "kid": key_id_of(key), "alg": "EdDSA", "use": "sig"}
