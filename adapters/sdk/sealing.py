"""Sealing sensitive fields before they leave the agency.

Each case answered under a consent token gets a fresh data key; every field the contract marks
DETAILS or IDENTITY is sealed under it (``caseline.v1.sealed_fields``) and the data key is
wrapped to the aggregator's key custodian (``caseline.v1.key_wrap``), whose public key the
aggregator publishes in the same JWKS file the consent tokens are verified with.
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PublicKey

from adapters.sdk.errors import FailedPreconditionError
from caseline.v1 import case_pb2, sealing_pb2
from caseline.v1.key_wrap import SCHEME, WrapError, new_data_key, public_key_of_jwk, wrap_data_key
from caseline.v1.sealed import DataKey
from caseline.v1.sealed_fields import seal_case

__all__ = ["CaseSealer", "CustodianKeys", "NoCustodianKeyError"]

_RELOAD_INTERVAL_S = 5.0


class NoCustodianKeyError(FailedPreconditionError):
    """No custodian key to seal to: the adapter refuses rather than send plaintext."""

    def __init__(self, detail: str) -> None:
        super().__init__(f"cannot seal sensitive fields: {detail}", "NO_CUSTODIAN_KEY")


class CustodianKeys:
    """The custodian's current public key, read from the aggregator's JWKS file (the first
    key with ``use: enc`` on X25519) and re-read every few seconds, so a rotation reaches the
    adapter without a restart."""

    def __init__(self, jwks_path: Path) -> None:
        self._path = jwks_path
        self._lock = threading.Lock()
        self._checked = 0.0
        self._mtime = -1.0
        self._current: tuple[str, X25519PublicKey] | None = None
        self._problem = "not loaded yet"
        self._refresh()

    def _refresh(self) -> None:
        try:
            mtime = self._path.stat().st_mtime
            if mtime == self._mtime:
                return
            keys = json.loads(self._path.read_text()).get("keys", [])
            found = [k for k in keys if isinstance(k, dict) and k.get("use") == "enc"
                     and k.get("crv") == "X25519"]
            if not found:
                self._current, self._problem = None, f"{self._path} publishes no X25519 key"
            else:
                key = public_key_of_jwk(found[0])
                self._current = (str(found[0]["kid"]), key)
            self._mtime = mtime
        except (OSError, ValueError, AttributeError, WrapError) as exc:
            # Keep the last good key: a half-written file must not stop sealing.
            self._problem = f"cannot read custodian key from {self._path}: {exc}"

    def current(self) -> tuple[str, X25519PublicKey]:
        """(kid, public key) to wrap data keys to; NoCustodianKeyError if there is none."""
        now = time.monotonic()
        if now - self._checked > _RELOAD_INTERVAL_S:
            with self._lock:
                self._checked = now
                self._refresh()
        if self._current is None:
            raise NoCustodianKeyError(self._problem)
        return self._current


class CaseSealer:
    """Seals one agency's cases for one subject at a time."""

    def __init__(self, agency_id: str, keys: CustodianKeys) -> None:
        self.agency_id = agency_id
        self.keys = keys

    def seal(self, case: case_pb2.Case, subject: str) -> int:
        """Seal ``case``'s sensitive fields in place for ``subject`` (pseudonym); returns how
        many were sealed. Raises NoCustodianKeyError before touching the case if there is no
        key to wrap to."""
        kid, custodian = self.keys.current()
        key_id, raw = new_data_key()
        count = seal_case(case, DataKey(raw, key_id), agency=self.agency_id, subject=subject)
        if count:
            wrapped = wrap_data_key(custodian, raw, key_id,
                                    (self.agency_id, case.case_number, subject))
            case.data_key.CopyFrom(sealing_pb2.WrappedDataKey(
                key_id=key_id, custodian_key_id=kid, scheme=SCHEME, wrapped_key=wrapped))
        return count
