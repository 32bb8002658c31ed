"""Key files: Ed25519 signing keys and HMAC secrets (mode 0600), and public key ids.

The aggregator's own keys live in the keyring (``aggregator.vault.secrets``); files remain for
the keyring's key file and the demo sign-in issuer's key."""

from __future__ import annotations

import base64
import hashlib
import secrets
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from aggregator.files import create_once, replace_file

__all__ = ["jwk_of", "key_id_of", "load_ed25519", "load_or_create_ed25519", "load_or_create_secret",
           "replace_private"]


def replace_private(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` atomically (mode 0600); callers serialise writers."""
    replace_file(path, data, 0o600)


def _create_private(path: Path, data: bytes) -> bytes:
    """Write ``data`` to ``path`` (0600) unless another process created it first; what
    ``path`` holds afterwards."""
    return create_once(path, data, 0o600)


def _load_ed25519(path: Path, data: bytes) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(data, password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path} does not hold an Ed25519 private key")
    return key


def load_ed25519(path: Path) -> Ed25519PrivateKey:
    """The Ed25519 key stored at ``path`` (PKCS#8 PEM); ValueError when it holds none."""
    return _load_ed25519(path, path.read_bytes())


def load_or_create_ed25519(path: Path) -> Ed25519PrivateKey:
    """The Ed25519 key stored at ``path`` (PKCS#8 PEM), created on first use."""
    if path.exists():
        return _load_ed25519(path, path.read_bytes())
    new = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption())
    return _load_ed25519(path, _create_private(path, new))


def load_or_create_secret(path: Path, size: int = 32) -> bytes:
    """A random secret stored at ``path``, created on first use."""
    data = path.read_bytes() if path.exists() else _create_private(path,
                                                                    secrets.token_bytes(size))
    if len(data) != size:
        raise ValueError(f"{path} must hold exactly {size} bytes")
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
