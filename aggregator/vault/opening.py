"""Opening an agency's sealed fields for one read, as far as the policy released them.

The key custodian unwraps a case's data key only when the read released a sealed scope for
that agency; fields of scopes not released stay sealed (and are dropped with the response),
and sensitive fields an adapter sent unsealed are always dropped.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Protocol

from caseline.v1 import case_pb2, sealing_pb2
from caseline.v1.lib.key_wrap import WrapError
from caseline.v1.lib.scopes import Scope
from caseline.v1.lib.sealed import DataKey, SealError
from caseline.v1.lib.sealed_fields import OpenReport, open_case, strip_unsealed

__all__ = ["SEALED_SCOPES", "CaseOpener", "DataKeyUnwrapper", "Release"]

log = logging.getLogger("caseline.aggregator")

# The scopes whose fields adapters seal (every one beyond STATUS): the custodian's business.
SEALED_SCOPES = frozenset({Scope.DETAILS, Scope.IDENTITY})


@dataclass(frozen=True, slots=True)
class Release:
    """What one read released for one agency: the subject's pseudonym (as adapters bound it
    into each sealed value) and the scopes the policy allowed."""

    subject: str
    scopes: frozenset[Scope]


class DataKeyUnwrapper(Protocol):
    """The key custodian: unwraps data keys; its private keys never leave it."""

    def unwrap(self, wrapped: bytes, data_key_id: str, custodian_kid: str,
               place: tuple[str, ...]) -> bytes:
        """The data key; raises ValueError (or a subclass) when it does not unwrap."""
        ...


class CaseOpener:
    """Opens the sealed fields of cases as agencies sent them.

    Adapters reuse a subject's data key for a few minutes, so unwrapped data keys are kept in
    memory (never on disk) for a while: the custodian is asked once per key, not per read.
    Whether a field opens is still decided on every read.
    """

    def __init__(self, custodian: DataKeyUnwrapper, *, cache_size: int = 10_000,
                 cache_ttl_s: float = 600.0) -> None:
        self.custodian = custodian
        self._cache: OrderedDict[tuple[str | bytes, ...], tuple[float, DataKey]] = \
            OrderedDict()
        self._cache_size = cache_size
        self._cache_ttl_s = cache_ttl_s
        self._lock = threading.Lock()

    def _data_key(self, agency_id: str, wrapped: sealing_pb2.WrappedDataKey,
                  subject: str) -> DataKey:
        place = (agency_id, subject)
        # Keyed by the wrapped bytes too: a reused key id with other bytes is unwrapped (and
        # judged by the custodian) again.
        cache_key = (wrapped.custodian_key_id, wrapped.key_id, *place, wrapped.wrapped_key)
        now = time.monotonic()
        with self._lock:
            cached = self._cache.get(cache_key)
            if cached is not None and cached[0] > now:
                self._cache.move_to_end(cache_key)
                return cached[1]
        raw = self.custodian.unwrap(wrapped.wrapped_key, wrapped.key_id,
                                    wrapped.custodian_key_id, place)
        key = DataKey(raw, wrapped.key_id)
        with self._lock:
            self._cache[cache_key] = (now + self._cache_ttl_s, key)
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return key

    def drop_unsealed(self, case: case_pb2.Case) -> list[str]:
        """Clear the sensitive fields an adapter sent unsealed; their paths. (The benchmark
        of what sealing costs keeps them, in a subclass of its own: bench/variants.py.)"""
        return strip_unsealed(case)

    def open(self, agency_id: str, case: case_pb2.Case, release: Release) -> OpenReport:
        """Open ``case`` in place within ``release``; the report says what opened, what stayed
        sealed and what could not be opened."""
        dropped = self.drop_unsealed(case)
        key: DataKey | None = None
        problem = ""
        wanted = any(s in release.scopes for s in SEALED_SCOPES)
        if wanted and case.sealed_fields:
            if not case.HasField("data_key"):
                problem = "sealed fields without a data key"
            else:
                try:
                    key = self._data_key(agency_id, case.data_key, release.subject)
                except (ValueError, WrapError, SealError) as exc:
                    problem = str(exc)
        report = open_case(case, key, agency=agency_id, subject=release.subject,
                           scopes=release.scopes & SEALED_SCOPES)
        case.ClearField("data_key")
        report.failed.extend((path, "sent unsealed; dropped") for path in dropped)
        if report.failed:
            log.warning("sealed fields not opened", extra={
                "agency": agency_id, "count": len(report.failed),
                "reason": problem or report.failed[0][1]})
        return report
