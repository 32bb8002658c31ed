"""The keys a token issuer signs with: given directly (PEM public keys, a JWKS document) or
fetched from the issuer's JWKS address, as OpenID providers publish them.

Only asymmetric algorithms are accepted, each with the key type it needs: ``none`` and the
HMAC algorithms would let anyone who knows a public key (or nothing) sign tokens."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Protocol

from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa
from jwt import PyJWK, PyJWKClient, PyJWKClientError, PyJWKSet
from jwt.exceptions import PyJWKError, PyJWKSetError

__all__ = ["ALGORITHMS", "IssuerKeys", "KeysUnavailable", "PublicKey", "RemoteKeys",
           "StaticKeys", "fits"]

ALGORITHMS = ("EdDSA", "RS256", "ES256")
PublicKey = (ed25519.Ed25519PublicKey | ed448.Ed448PublicKey | rsa.RSAPublicKey
             | ec.EllipticCurvePublicKey)


class KeysUnavailable(Exception):
    """The issuer's keys could not be had (its JWKS address did not answer usably)."""


class IssuerKeys(Protocol):
    """Where a verifier finds the keys that may have signed a token."""

    def candidates(self, algorithm: str, kid: str | None) -> list[Any]:
        """Public keys that may verify a token with this header ``alg`` and ``kid``."""
        ...


def fits(algorithm: str, key: object) -> bool:
    """Whether ``key`` is of the type ``algorithm`` signs with (an RSA key never verifies an
    EdDSA header, and so on)."""
    if algorithm == "EdDSA":
        return isinstance(key, ed25519.Ed25519PublicKey | ed448.Ed448PublicKey)
    if algorithm == "RS256":
        return isinstance(key, rsa.RSAPublicKey) and key.key_size >= 2048
    if algorithm == "ES256":
        return isinstance(key, ec.EllipticCurvePublicKey) and key.curve.name == "secp256r1"
    return False


def _pick(keys: Iterable[tuple[str | None, Any]], algorithm: str, kid: str | None) -> list[Any]:
    fitting = [(key_id, key) for key_id, key in keys if fits(algorithm, key)]
    if kid is not None and any(key_id == kid for key_id, _ in fitting):
        return [key for key_id, key in fitting if key_id == kid]
    # A token naming no kid, or keys given without ids: every key of the right type is tried.
    return [key for key_id, key in fitting if key_id is None or kid is None]


class StaticKeys:
    """Keys given directly: public keys, or a JWKS document's keys (with their ids)."""

    def __init__(self, keys: Iterable[PublicKey]) -> None:
        self._keys: list[tuple[str | None, Any]] = [(None, key) for key in keys]

    @classmethod
    def from_jwks(cls, document: Mapping[str, Any]) -> StaticKeys:
        """The signing keys of a JWKS document; ValueError if it holds none usable."""
        try:
            jwks = PyJWKSet.from_dict(dict(document))
        except (PyJWKSetError, PyJWKError) as exc:
            raise ValueError(f"not a usable JWKS document: {exc}") from exc
        keys = cls(())
        keys._keys = [(jwk.key_id, jwk.key) for jwk in jwks.keys
                      if jwk.public_key_use in (None, "sig")]
        return keys

    def candidates(self, algorithm: str, kid: str | None) -> list[Any]:
        """The given keys that fit ``algorithm`` (and ``kid`` when one has it)."""
        return _pick(self._keys, algorithm, kid)


class RemoteKeys:
    """An issuer's JWKS address, read through PyJWT's PyJWKClient: the set is cached for
    ``lifespan_s`` and fetched again at once (at most every ``refresh_cooldown_s``) when a
    token names a key id it does not hold, so the issuer's key rotation needs no restart."""

    def __init__(self, jwks_url: str, *, timeout_s: float = 5, lifespan_s: float = 300,
                 refresh_cooldown_s: float = 30) -> None:
        self.url = jwks_url
        # The cooldown keeps tokens with made-up kids from making us fetch on every request.
        self._client = PyJWKClient(jwks_url, cache_jwk_set=True, lifespan=lifespan_s,
                                   timeout=timeout_s, cooldown_duration=refresh_cooldown_s)

    def candidates(self, algorithm: str, kid: str | None) -> list[Any]:
        """The issuer's current keys that fit; KeysUnavailable if it cannot be read."""
        try:
            keys: list[PyJWK] = self._client.get_signing_keys()
            if kid is not None and not any(k.key_id == kid for k in keys):
                keys = [self._client.get_signing_key(kid)]  # refreshes the set once
        except PyJWKClientError as exc:
            if kid is not None and "Unable to find a signing key" in str(exc):
                return []
            raise KeysUnavailable(f"the issuer's JWKS at {self.url}: {exc}") from exc
        return _pick(((k.key_id, k.key) for k in keys), algorithm, kid)
