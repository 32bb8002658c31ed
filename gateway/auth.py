"""Bearer-token authentication (OpenID Connect-style JWTs: EdDSA, RS256 or ES256, verified
against an issuer's keys or its JWKS) and the demo's own issuer."""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from aggregator.consent.vocabulary import Role
from gateway.messages import message
from gateway.roles import RoleMapping, RoleRefused
from gateway.signing_keys import (
    ALGORITHMS,
    IssuerKeys,
    KeysUnavailable,
    PublicKey,
    RemoteKeys,
    StaticKeys,
)

__all__ = ["AUDIENCE", "DEFAULT_MAX_LIFETIME_S", "DEMO_ISSUER", "AuthError", "DevIssuer",
           "SignedIn", "TokenVerifier", "authenticate", "token_expiry"]

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

    def __init__(self, keys: PublicKey | IssuerKeys, issuer: str | Sequence[str] = DEMO_ISSUER,
                 audience: str = AUDIENCE, cache_size: int = 10_000,
                 max_lifetime_s: int = DEFAULT_MAX_LIFETIME_S, *,
                 roles: RoleMapping | None = None) -> None:
        """``keys``: the issuer's public key, or where to find its keys (a JWKS document or
        address, :mod:`gateway.signing_keys`). ``issuer``: the ``iss`` tokens must carry (one
        of several, where one set of keys signs under more than one name). ``roles``: where a
        token's role comes from (default: its ``role`` claim)."""
        if max_lifetime_s < 1:
            raise ValueError(f"max_lifetime_s must be at least 1, got {max_lifetime_s}")
        self.max_lifetime_s = max_lifetime_s
        self._keys: IssuerKeys = (StaticKeys([keys]) if isinstance(keys, PublicKey)
                                  else keys)
        # A JWKS address is read over the network now and then: callers on an event loop
        # verify in a thread then (gateway/app.py).
        self.fetches_keys = isinstance(self._keys, RemoteKeys)
        self._issuer: str | list[str] = issuer if isinstance(issuer, str) else list(issuer)
        self._audience = audience
        self._roles = roles or RoleMapping()
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
        signed_in = SignedIn(str(claims["sub"]), claims["role"],
                             str(claims.get("name", claims["sub"])))
        self._cache[token] = (float(claims["exp"]), signed_in)
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return signed_in

    def _claims(self, token: str) -> dict[str, Any]:
        """The token's verified claims, its role resolved into ``claims["role"]``."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.InvalidTokenError as exc:
            raise AuthError(f"{type(exc).__name__}: {exc}") from exc
        algorithm = header.get("alg")
        # Checked before any key is looked at: 'none' and HS* are never verified at all.
        if algorithm not in ALGORITHMS:
            raise AuthError(f"algorithm {algorithm!r} is not one of {', '.join(ALGORITHMS)}")
        kid = header.get("kid") if isinstance(header.get("kid"), str) else None
        try:
            keys = self._keys.candidates(algorithm, kid)
        except KeysUnavailable as exc:
            raise AuthError(str(exc)) from exc
        if not keys:
            raise AuthError(f"the issuer has no {algorithm} key"
                            + (f" with kid {kid!r}" if kid else ""))
        claims = self._decoded(token, algorithm, keys)
        # A stolen long-lived token stays useful for long: the issuer must keep them short.
        lifetime = float(claims["exp"]) - float(claims["iat"])
        if lifetime > self.max_lifetime_s:
            raise AuthError(f"token lifetime {lifetime:.0f} s exceeds the maximum of "
                            f"{self.max_lifetime_s} s")
        try:
            claims["role"] = self._roles.role_of(claims)
        except RoleRefused as exc:
            raise AuthError(str(exc)) from exc
        return claims

    def _decoded(self, token: str, algorithm: str, keys: list[Any]) -> dict[str, Any]:
        """The claims of ``token`` signed by one of ``keys``; AuthError otherwise."""
        refused: jwt.InvalidTokenError | None = None
        for key in keys:
            try:
                claims: dict[str, Any] = jwt.decode(
                    token, key, algorithms=[algorithm], issuer=self._issuer,
                    audience=self._audience,
                    options={"require": ["exp", "iat", "sub", "iss", "aud"]})
                return claims
            except jwt.InvalidSignatureError as exc:
                refused = exc  # another key of the issuer may have signed it
            except jwt.InvalidTokenError as exc:
                raise AuthError(f"{type(exc).__name__}: {exc}") from exc
        assert refused is not None
        raise AuthError(f"{type(refused).__name__}: {refused}") from refused


def authenticate(header: str, verifier: TokenVerifier) -> SignedIn | None:
    """Who an ``Authorization`` header's bearer token signs in; None when there is no
    header; AuthError when the header or its token is not valid."""
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthError("malformed Authorization header", malformed_header=True)
    return verifier.verify(token.strip())


def token_expiry(header: str) -> float | None:
    """When the bearer token in an ``Authorization`` header expires (epoch seconds), read
    without checking it: only for a token :func:`authenticate` already verified. None when
    there is none or it names no expiry."""
    token = header.partition(" ")[2].strip()
    if not token:
        return None
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.InvalidTokenError:
        return None
    expiry = claims.get("exp")
    return float(expiry) if isinstance(expiry, int | float) else None


class DevIssuer:
    """Signs demo tokens for personas (demo mode only)."""

    def __init__(self, key: Ed25519PrivateKey, issuer: str = DEMO_ISSUER) -> None:
        self._key = key
        self.issuer = issuer

    def issue(self, subject: str, role: str, name: str, ttl_s: int = 12 * 3600) -> str:
        """A bearer token for ``subject`` (``role`` a :class:`Role`; tests also sign others
        to see them refused)."""
        now = int(time.time())
        return jwt.encode({"iss": self.issuer, "aud": AUDIENCE, "sub": subject, "role": role,
                           "name": name, "iat": now, "exp": now + ttl_s},
                          self._key, algorithm="EdDSA")
