"""Verifying the consent tokens the aggregator issues (format in caseline.v1.lib.consent_token)."""

from __future__ import annotations

import json
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from adapters.sdk.errors import PermissionDeniedError, UnauthenticatedError
from caseline.v1.lib import consent_token as fmt
from caseline.v1.lib.scopes import Scope

__all__ = ["ConsentClaims", "ConsentTokenVerifier"]

_RELOAD_INTERVAL_S = 5.0
_VERIFIED_CACHE_SIZE = 10_000


@dataclass(frozen=True, slots=True)
class ConsentClaims:
    """What a verified token allows."""

    subject: str
    case_numbers: tuple[str, ...]
    # As the token names them (Scope values): a name from a newer contract is kept as text
    # and releases nothing, since no field of this contract needs it.
    scopes: frozenset[str]
    purpose: str
    consent_id: str
    expires_at: datetime


class ConsentTokenVerifier:
    """Checks signature (against a JWKS file), issuer, audience, expiry, lifetime and scope.

    The JWKS file is re-read when a token names a key id it does not know (key rotation),
    at most every few seconds.
    """

    def __init__(self, agency_id: str, jwks_path: Path, leeway_s: float = 5.0) -> None:
        self._agency_id = agency_id
        self._jwks_path = jwks_path
        self._leeway_s = leeway_s
        self._keys: dict[str, Any] = {}
        self._loaded_at = 0.0
        self._lock = threading.Lock()
        # Verified tokens until they expire: the aggregator reuses a token for half its
        # (short) lifetime, and its signature cannot change in the meantime.
        self._verified: OrderedDict[str, ConsentClaims] = OrderedDict()
        self._load()

    def _load(self) -> None:
        try:
            raw = json.loads(self._jwks_path.read_text())
            # Encryption keys (the key custodian's, for sealing) share the file; they never
            # verify a token.
            raw = {**raw, "keys": [k for k in raw.get("keys", [])
                                   if not (isinstance(k, dict) and k.get("use") == "enc")]}
            # Only Ed25519 keys can verify the format's tokens; any other key under a kid
            # would make PyJWT raise a key-type error instead of refusing the token.
            keys = {key.key_id: key.key for key in jwt.PyJWKSet.from_dict(raw).keys
                    if key.key_id and isinstance(key.key, Ed25519PublicKey)}
        except (OSError, ValueError, jwt.PyJWKSetError) as exc:
            raise ValueError(
                f"cannot load consent-token keys from {self._jwks_path}: {exc}") from exc
        with self._lock:
            self._keys = keys
            self._loaded_at = time.monotonic()

    def _key(self, kid: str) -> Any:
        key = self._keys.get(kid)
        if key is None and time.monotonic() - self._loaded_at > _RELOAD_INTERVAL_S:
            self._load()
            key = self._keys.get(kid)
        return key

    def verify(self, token: str, required_scope: Scope = Scope.STATUS) -> ConsentClaims:
        """Claims of a valid token; raises Unauthenticated/PermissionDenied otherwise."""
        claims = self._verified.get(token)
        if claims is None or claims.expires_at.timestamp() + self._leeway_s <= time.time():
            claims = self._verify_signed(token)
            self._verified[token] = claims
            if len(self._verified) > _VERIFIED_CACHE_SIZE:
                self._verified.popitem(last=False)
        if required_scope not in claims.scopes:
            raise PermissionDeniedError(
                f"consent_token: scope {required_scope} not granted", "CONSENT_SCOPE_MISSING")
        return claims

    def _verify_signed(self, token: str) -> ConsentClaims:
        if not token:
            raise UnauthenticatedError("consent_token: required", "CONSENT_TOKEN_MISSING")
        try:
            header = jwt.get_unverified_header(token)
        except jwt.DecodeError as exc:
            raise UnauthenticatedError(f"consent_token: malformed ({exc})",
                                       "CONSENT_TOKEN_MALFORMED") from exc
        key = self._key(str(header.get("kid", "")))
        if key is None or header.get("alg") != fmt.ALGORITHM:
            raise UnauthenticatedError("consent_token: signed with an unknown key or algorithm",
                                       "CONSENT_TOKEN_UNKNOWN_KEY")
        try:
            claims = jwt.decode(
                token, key=key, algorithms=[fmt.ALGORITHM], audience=self._agency_id,
                issuer=fmt.ISSUER, leeway=self._leeway_s,
                options={"require": ["exp", "iat", "aud", "iss", "sub"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise UnauthenticatedError("consent_token: expired", "CONSENT_TOKEN_EXPIRED") from exc
        except jwt.InvalidAudienceError as exc:
            raise UnauthenticatedError(
                f"consent_token: issued for another agency, not {self._agency_id!r}",
                "CONSENT_TOKEN_WRONG_AUDIENCE") from exc
        except jwt.InvalidTokenError as exc:
            raise UnauthenticatedError(f"consent_token: invalid ({exc})",
                                       "CONSENT_TOKEN_INVALID") from exc
        if not isinstance(claims["aud"], str):
            # PyJWT accepts a list naming this agency among others; such a token could be
            # replayed at every agency it names, and the format allows exactly one.
            raise UnauthenticatedError("consent_token: 'aud' must be a single agency id",
                                       "CONSENT_TOKEN_INVALID")
        if claims["exp"] - claims["iat"] > fmt.MAX_TTL_S:
            raise UnauthenticatedError(
                f"consent_token: lifetime exceeds {fmt.MAX_TTL_S} s", "CONSENT_TOKEN_TOO_LONG")
        raw_scopes = claims.get(fmt.CLAIM_SCOPES, [])
        if not isinstance(raw_scopes, list) or not all(isinstance(s, str) for s in raw_scopes):
            # A mapping's keys or a string's letters must not pass for granted scopes.
            raise UnauthenticatedError("consent_token: 'scp' must be a list of scope names",
                                       "CONSENT_TOKEN_INVALID")
        scopes = frozenset(raw_scopes)
        cases = claims.get(fmt.CLAIM_CASES, [])
        if not isinstance(cases, list) or not all(isinstance(c, str) for c in cases):
            raise UnauthenticatedError("consent_token: 'cases' must be a list of case numbers",
                                       "CONSENT_TOKEN_INVALID")
        return ConsentClaims(
            subject=str(claims["sub"]), case_numbers=tuple(cases), scopes=scopes,
            purpose=str(claims.get(fmt.CLAIM_PURPOSE, "")),
            consent_id=str(claims.get(fmt.CLAIM_CONSENT_ID, "")),
            expires_at=datetime.fromtimestamp(claims["exp"], UTC),
        )
