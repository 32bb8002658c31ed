"""Sealing sensitive fields before they leave the agency.

Cases answered under a consent token are sealed under a data key for their subject (fresh
every few minutes): every field the contract marks DETAILS or IDENTITY
(``caseline.v1.lib.sealed_fields``). The data key travels wrapped to the aggregator's key
custodian (``caseline.v1.lib.key_wrap``), whose public key the aggregator publishes in the same
JWKS file the consent tokens are verified with.
"""

from __future__ import annotations

import json
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PublicKey

from adapters.sdk.errors import FailedPreconditionError
from caseline.v1 import case_pb2, sealing_pb2
from caseline.v1.lib.key_wrap import (
    SCHEME,
    WrapError,
    new_data_key,
    public_key_of_jwk,
    wrap_data_key,
)
from caseline.v1.lib.sealed import DataKey
from caseline.v1.lib.sealed_fields import seal_case

__all__ = ["CaseSealer", "CustodianKeys", "NoCustodianKeyError", "Sealer"]

_RELOAD_INTERVAL_S = 5.0


class Sealer(Protocol):
    """What the servicer hands each case answered under a consent token, before it leaves
    the agency: :class:`CaseSealer` in every adapter; tests pass their own."""

    def seal(self, case: case_pb2.Case, subject: str) -> int:
        """Seal ``case``'s sensitive fields in place for ``subject``; how many were sealed."""
        ...


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


@dataclass(slots=True)
class _SubjectKey:
    key: DataKey
    wrapped: sealing_pb2.WrappedDataKey
    custodian_kid: str
    expires: float
    values_left: int


class CaseSealer:
    """Seals one agency's cases, under one data key per subject for a few minutes.

    Reusing a subject's data key for a short while spares a key wrap (an X25519 exchange
    here, another at the custodian) on every read; each value still has its own random nonce
    and binds its case, field and subject, and the key is replaced long before the AES-GCM
    random-nonce limit.
    """

    def __init__(self, agency_id: str, keys: CustodianKeys, *, key_lifetime_s: float = 300.0,
                 values_per_key: int = 100_000, max_subjects: int = 10_000) -> None:
        self.agency_id = agency_id
        self.keys = keys
        self._lifetime_s = key_lifetime_s
        self._values_per_key = values_per_key
        self._max_subjects = max_subjects
        self._by_subject: OrderedDict[str, _SubjectKey] = OrderedDict()
        self._lock = threading.Lock()

    def _key_for(self, subject: str, kid: str, custodian: X25519PublicKey,
                 values: int) -> _SubjectKey:
        now = time.monotonic()
        with self._lock:
            current = self._by_subject.get(subject)
            if (current is not None and current.custodian_kid == kid and current.expires > now
                    and current.values_left >= values):
                current.values_left -= values
                self._by_subject.move_to_end(subject)
                return current
        key_id, raw = new_data_key()
        wrapped = wrap_data_key(custodian, raw, key_id, (self.agency_id, subject))
        fresh = _SubjectKey(DataKey(raw, key_id), sealing_pb2.WrappedDataKey(
            key_id=key_id, custodian_key_id=kid, scheme=SCHEME, wrapped_key=wrapped),
            kid, now + self._lifetime_s, self._values_per_key - values)
        with self._lock:
            self._by_subject[subject] = fresh
            while len(self._by_subject) > self._max_subjects:
                self._by_subject.popitem(last=False)
        return fresh

    def seal(self, case: case_pb2.Case, subject: str) -> int:
        """Seal ``case``'s sensitive fields in place for ``subject`` (pseudonym); returns how
        many were sealed. Raises NoCustodianKeyError before touching the case if there is no
        key to wrap to."""
        kid, custodian = self.keys.current()
        # A case seals at most one value per element and scope: 1 + events, times 2 scopes.
        entry = self._key_for(subject, kid, custodian, 2 * (len(case.events) + 1))
        count = seal_case(case, entry.key, agency=self.agency_id, subject=subject)
        if count:
            case.data_key.CopyFrom(entry.wrapped)
        return count
