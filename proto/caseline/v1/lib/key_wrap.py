"""Data keys wrapped to the key custodian, part of the caseline.v1 contract (hand-written).

An adapter seals a subject's sensitive fields under an AES-256 data key (see
``caseline.v1.lib.sealed``; the adapter may use one key for a subject's cases for a few minutes)
and sends the data key wrapped to the aggregator's key custodian with RFC 9180 HPKE, base
mode, suite DHKEM(X25519, HKDF-SHA256) / HKDF-SHA256 / AES-256-GCM.

The HPKE ``info`` binds the wrapped key to its place, so a wrapped key copied to another agency
or subject does not open: ``associated_data(SCHEME, agency, subject pseudonym, data key id,
custodian key id)`` (length-prefixed, as in ``sealed``). Each sealed value binds its case and
field itself.

The custodian publishes its public key in the aggregator's JWKS (the same file adapters verify
consent tokens with) as ``{"kty": "OKP", "crv": "X25519", "use": "enc", "kid": ...}``; ``kid``
is the RFC 7638 thumbprint, :func:`custodian_key_id`.
"""

from __future__ import annotations

import base64
import hashlib
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hpke
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from caseline.v1.lib.sealed import KEY_BYTES, associated_data

__all__ = [
    "SCHEME",
    "WRAPPED_BYTES",
    "WrapError",
    "custodian_key_id",
    "new_data_key",
    "public_jwk",
    "public_key_of_jwk",
    "unwrap_data_key",
    "wrap_data_key",
]

SCHEME = "HPKE-Base-X25519-SHA256-AES256GCM"
# enc (32-byte ephemeral public key) || AES-256-GCM(data key) (32 bytes + 16-byte tag).
WRAPPED_BYTES = 32 + KEY_BYTES + 16

_SUITE = hpke.Suite(hpke.KEM.X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM)


class WrapError(ValueError):
    """A wrapped key that is malformed, or does not open for this custodian and place."""


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _raw(public_key: X25519PublicKey) -> bytes:
    return public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def custodian_key_id(public_key: X25519PublicKey) -> str:
    """RFC 7638 thumbprint of the custodian's public key (its JWKS ``kid``)."""
    canonical = f'{{"crv":"X25519","kty":"OKP","x":"{_b64url(_raw(public_key))}"}}'
    return _b64url(hashlib.sha256(canonical.encode()).digest())


def public_jwk(public_key: X25519PublicKey) -> dict[str, str]:
    """The custodian's public key as the JWK adapters wrap data keys to."""
    return {"kty": "OKP", "crv": "X25519", "use": "enc", "alg": SCHEME,
            "x": _b64url(_raw(public_key)), "kid": custodian_key_id(public_key)}


def public_key_of_jwk(jwk: dict[str, object]) -> X25519PublicKey:
    """The X25519 public key in ``jwk``; WrapError unless it is one and its kid matches."""
    if jwk.get("kty") != "OKP" or jwk.get("crv") != "X25519":
        raise WrapError("a custodian key must be an OKP JWK on curve X25519")
    x = jwk.get("x")
    if not isinstance(x, str):
        raise WrapError("the custodian JWK has no 'x'")
    try:
        raw = base64.urlsafe_b64decode(x + "=" * (-len(x) % 4))
    except ValueError as exc:
        raise WrapError("the custodian JWK's 'x' is not base64url") from exc
    if _b64url(raw) != x:
        # The decoder skips characters outside the alphabet (and ignores stray low bits), so
        # only re-encoding shows that ``x`` was exactly the unpadded base64url of a key.
        raise WrapError("the custodian JWK's 'x' is not base64url (unpadded, canonical)")
    if len(raw) != 32:
        raise WrapError(f"an X25519 public key has 32 bytes, got {len(raw)}")
    key = X25519PublicKey.from_public_bytes(raw)
    if jwk.get("kid") != custodian_key_id(key):
        raise WrapError("the custodian JWK's kid is not the RFC 7638 thumbprint of its key")
    return key


def new_data_key() -> tuple[str, bytes]:
    """A fresh random data key and its id (``dk_`` + 128 random bits, base64url)."""
    return "dk_" + _b64url(os.urandom(16)), os.urandom(KEY_BYTES)


def _info(place: tuple[str, ...], key_id: str, custodian_id: str) -> bytes:
    return associated_data(SCHEME, *place, key_id, custodian_id)


def wrap_data_key(custodian: X25519PublicKey, data_key: bytes, key_id: str,
                  place: tuple[str, ...]) -> bytes:
    """``data_key`` wrapped to ``custodian`` for ``place`` (agency, subject pseudonym)."""
    if len(data_key) != KEY_BYTES:
        raise WrapError(f"a data key has {KEY_BYTES} bytes, got {len(data_key)}")
    return _SUITE.encrypt(data_key, custodian, info=_info(place, key_id,
                                                           custodian_key_id(custodian)))


def unwrap_data_key(custodian: X25519PrivateKey, wrapped: bytes, key_id: str,
                    place: tuple[str, ...]) -> bytes:
    """The data key in ``wrapped``; WrapError if it was altered, or wrapped to another
    custodian key or for another place (agency, subject) or key id."""
    if len(wrapped) != WRAPPED_BYTES:
        raise WrapError(f"a wrapped data key has {WRAPPED_BYTES} bytes, got {len(wrapped)}")
    info = _info(place, key_id, custodian_key_id(custodian.public_key()))
    try:
        data_key = _SUITE.decrypt(wrapped, custodian, info=info)
    except (InvalidTag, ValueError) as exc:
        raise WrapError("the wrapped data key does not open: altered, or wrapped to another "
                        "custodian key, place (agency, subject) or data key id") from exc
    if len(data_key) != KEY_BYTES:
        raise WrapError(f"the wrapped data key has {len(data_key)} bytes, expected {KEY_BYTES}")
    return data_key
