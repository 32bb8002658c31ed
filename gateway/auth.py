"""Bearer-token authentication (OIDC-style JWTs, EdDSA) and the demo's own issuer."""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from aggregator.consent.vocabulary import Role
from gateway.messages import message

__all__ = ["DEFAULT_MAX_LIFETIME_S", "AuthError", "DevIssuer", "SignedIn", "TokenVerifier",
           "authenticate"]

DEMO_ISSUER = "caseline-demo"
AUDIENCE = "caseline-gateway"
DEFAULT_MAX_LIFETIME_S = 24 * 3600

log = logging.getLogger(__name__)


class AuthError(Exception):
    """The Authorization header is malformed, or its token forged, expired, too long-lived or
    lacking claims. ``str()`` is the detail, for the log only: it can tell an attacker which
    check failed, so clients get :meth:`public_message`."""

    def __init__(self, detail: str, *, malformed_header: bool = False) -> None:
        super().__init__(detail)
        self.malformed_header = malformed_header

    def public_message(self, language: str) -> str:
        """What the client is told, in ``language``."""
        if self.malformed_header:
            return message(language, "the Authorization header must be 'Bearer <token>'")
        return message(language, "the bearer token is invalid or expired; sign in again")


@dataclass(frozen=True, slots=True)
class SignedIn:
    """Who is calling, as their verified bearer token says: subject id (JWT ``sub``), role and
    display name. (The access policy's reader is ``aggregator.consent.policy.Principal``.)"""

    subject: str
    role: Role
    name: str


class TokenVerifier:
    """Verifies bearer tokens; verified tokens are cached until they expire."""

    def __init__(self, public_key: Ed25519PublicKey, issuer: str = DEMO_ISSUER,
                 audience: str = AUDIENCE, cache_size: int = 10_000,
                 max_lifetime_s: int = DEFAULT_MAX_LIFETIME_S) -> None:
        if max_lifetime_s < 1:
            raise ValueError(f"max_lifetime_s must be at least 1, got {max_lifetime_s}")
        self.max_lifetime_s = max_lifetime_s
        self._key = public_key
        self._issuer = issuer
        self._audience = audience
        self._cache: OrderedDict[str, tuple[float, SignedIn]] = OrderedDict()
        self._cache_size = cache_size

    def verify(self, token: str) -> SignedIn:
        """Who a valid token signs in; AuthError (its detail logged) otherwise."""
        cached = self._cache.get(token)
        if cached is not None and cached[0] > time.time():
            return cached[1]
        try:
            claims = self._claims(token)
        except AuthError as exc:
            # The client's mistake or an attempt, not a fault of ours: never an error. Expiry
            # is routine; a forged, foreign or overlong token is worth an operator's look.
            routine = isinstance(exc.__cause__, jwt.ExpiredSignatureError)
            log.log(logging.INFO if routine else logging.WARNING, "bearer token refused: %s",
                    exc)
            raise
        signed_in = SignedIn(str(claims["sub"]), Role(claims["role"]),
                             str(claims.get("name", claims["sub"])))
        self._cache[token] = (float(claims["exp"]), signed_in)
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return signed_in

    def _claims(self, token: str) -> dict[str, Any]:
        try:
            claims: dict[str, Any] = jwt.decode(
                token, self._key, algorithms=["EdDSA"], issuer=self._issuer,
                audience=self._audience,
                options={"require": ["exp", "iat", "sub", "iss", "aud"]})
        except jwt.InvalidTokenError as exc:
            raise AuthError(f"{type(exc).__name__}: {exc}") from exc
        # A stolen long-lived token stays useful for long: the issuer must keep them short.
        lifetime = float(claims["exp"]) - float(claims["iat"])
        if lifetime > self.max_lifetime_s:
            raise AuthError(f"token lifetime {lifetime:.0f} s exceeds the maximum of "
                            f"{self.max_lifetime_s} s")
        # A tuple, compared by equality: a claim of any JSON type is refused, never an error.
        if claims.get("role") not in tuple(Role):
            raise AuthError(f"role {claims.get('role')!r} is not one of {', '.join(Role)}")
        return claims


def authenticate(header: str, verifier: TokenVerifier) -> SignedIn | None:
    """Who an ``Authorization`` header's bearer token signs in; None when there is no
    header; AuthError when the header or its token is not valid."""
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthError("malformed Authorization header", malformed_header=True)
    return verifier.verify(token.strip())


class DevIssuer:
    """Signs demo tokens for personas (demo mode only)."""

    def __init__(self, key: Ed25519PrivateKey) -> None:
        self._key = key

    def issue(self, subject: str, role: str, name: str, ttl_s: int = 12 * 3600) -> str:
        """A bearer token for ``subject`` (``role`` a :class:`Role`; tests also sign others
        to see them refused)."""
        now = int(time.time())
        return jwt.encode({"iss": DEMO_ISSUER, "aud": AUDIENCE, "sub": subject, "role": role,
                           "name": name, "iat": now, "exp": now + ttl_s},
                          self._key, algorithm="EdDSA")
