"""Issuing consent tokens for adapters (format: caseline.v1.lib.consent_token)."""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from aggregator.files import replace_file
from aggregator.vault.key_files import jwk_of, key_id_of
from caseline.v1.lib import consent_token as fmt

__all__ = ["ConsentTokenIssuer"]


class ConsentTokenIssuer:
    """Signs short-lived consent tokens and publishes the verifying keys as a JWKS.

    Tokens are reused while more than half their lifetime remains: identical claims for the
    same subject and agency need no new signature on every request.
    """

    def __init__(self, key: Ed25519PrivateKey, ttl_s: int = 120,
                 clock: Callable[[], float] = time.time) -> None:
        if not 0 < ttl_s <= fmt.MAX_TTL_S:
            raise ValueError(f"token lifetime must be 1..{fmt.MAX_TTL_S} s")
        self._key = key
        self._kid = key_id_of(key.public_key())
        self._ttl_s = ttl_s
        self._clock = clock
        self._cache: dict[tuple[object, ...], tuple[float, str]] = {}

    def jwks(self, custodian_keys: Sequence[Mapping[str, Any]] = ()) -> dict[str, Any]:
        """The public keys adapters use: ours to verify tokens with, and the key custodian's
        (``use: enc``, current first) to wrap the data keys of sealed fields to."""
        return {"keys": [jwk_of(self._key.public_key()), *map(dict, custodian_keys)]}

    def write_jwks(self, path: Path, custodian_keys: Sequence[Mapping[str, Any]] = ()) -> None:
        """Publish the JWKS as a file adapters are configured with (atomically: adapters
        re-read it while running)."""
        replace_file(path, json.dumps(self.jwks(custodian_keys), indent=2).encode())

    def issue(self, *, agency_id: str, subject: str, case_numbers: Sequence[str],
              scopes: Sequence[str], purpose: str, consent_id: str) -> str:
        """A token letting ``agency_id`` release ``case_numbers`` within ``scopes``."""
        cache_key = (agency_id, subject, tuple(case_numbers), tuple(scopes), purpose, consent_id)
        now = self._clock()
        cached = self._cache.get(cache_key)
        if cached is not None and cached[0] - now > self._ttl_s / 2:
            return cached[1]
        issued = int(now)
        claims = {
            "iss": fmt.ISSUER, "aud": agency_id, "sub": subject, "iat": issued,
            "exp": issued + self._ttl_s, "jti": secrets.token_urlsafe(12),
            fmt.CLAIM_CASES: list(case_numbers), fmt.CLAIM_SCOPES: list(scopes),
            fmt.CLAIM_PURPOSE: purpose, fmt.CLAIM_CONSENT_ID: consent_id,
        }
        token = jwt.encode(claims, self._key, algorithm=fmt.ALGORITHM, headers={"kid": self._kid})
        if len(self._cache) > 50_000:
            self._cache.clear()  # bound memory; entries are cheap to recreate
        self._cache[cache_key] = (issued + self._ttl_s, token)
        return token
