"""Bearer-token authentication (OIDC-style JWTs, EdDSA) and the demo's own issuer."""

from __future__ import annotations

import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

__all__ = ["ROLES", "AuthError", "DevIssuer", "Principal", "TokenVerifier"]

ROLES = ("applicant", "representative", "auditor")
DEMO_ISSUER = "caseline-demo"
AUDIENCE = "caseline-gateway"


class AuthError(Exception):
    """The bearer token is missing, malformed, forged, expired or lacks claims."""


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: subject id (JWT ``sub``), role and display name."""

    subject: str
    role: str
    name: str


class TokenVerifier:
    """Verifies bearer tokens; verified tokens are cached until they expire."""

    def __init__(self, public_key: Ed25519PublicKey, issuer: str = DEMO_ISSUER,
                 audience: str = AUDIENCE, cache_size: int = 10_000) -> None:
        self._key = public_key
        self._issuer = issuer
        self._audience = audience
        self._cache: OrderedDict[str, tuple[float, Principal]] = OrderedDict()
        self._cache_size = cache_size

    def verify(self, token: str) -> Principal:
        """The principal of a valid token; AuthError otherwise."""
        cached = self._cache.get(token)
        if cached is not None and cached[0] > time.time():
            return cached[1]
        try:
            claims: dict[str, Any] = jwt.decode(
                token, self._key, algorithms=["EdDSA"], issuer=self._issuer,
                audience=self._audience, options={"require": ["exp", "sub", "iss", "aud"]})
        except jwt.ExpiredSignatureError as exc:
            raise AuthError("the bearer token has expired; sign in again") from exc
        except jwt.InvalidTokenError as exc:
            raise AuthError(f"the bearer token is not valid: {exc}") from exc
        role = claims.get("role")
        if role not in ROLES:
            raise AuthError(f"the bearer token's role must be one of {', '.join(ROLES)}")
        principal = Principal(str(claims["sub"]), role, str(claims.get("name", claims["sub"])))
        self._cache[token] = (float(claims["exp"]), principal)
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return principal


class DevIssuer:
    """Signs demo tokens for personas (demo mode only)."""

    def __init__(self, key: Ed25519PrivateKey) -> None:
        self._key = key

    def issue(self, subject: str, role: str, name: str, ttl_s: int = 12 * 3600) -> str:
        """A bearer token for ``subject``."""
        now = int(time.time())
        return jwt.encode({"iss": DEMO_ISSUER, "aud": AUDIENCE, "sub": subject, "role": role,
                           "name": name, "iat": now, "exp": now + ttl_s},
                          self._key, algorithm="EdDSA")
