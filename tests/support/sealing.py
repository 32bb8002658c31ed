"""Sealing for tests: opening what an adapter sealed, as the aggregator's key custodian
would, and per-subject keys in memory standing in for the vault."""

from __future__ import annotations

import os
from collections.abc import Collection

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from caseline.v1 import case_pb2
from caseline.v1.lib.key_wrap import unwrap_data_key
from caseline.v1.lib.sealed import DataKey, SealError
from caseline.v1.lib.sealed_fields import OpenReport, open_case


def open_sealed(case: case_pb2.Case, custodian: X25519PrivateKey, *, agency: str,
                subject: str, scopes: Collection[str] = ("DETAILS", "IDENTITY")) -> OpenReport:
    """Open ``case`` in place with the custodian's private key."""
    key = None
    if case.HasField("data_key"):
        wrapped = case.data_key
        raw = unwrap_data_key(custodian, wrapped.wrapped_key, wrapped.key_id,
                              (agency, subject))
        key = DataKey(raw, wrapped.key_id)
    return open_case(case, key, agency=agency, subject=subject, scopes=scopes)


class MemorySealer:
    """Per-subject AES-256-GCM keys in memory, shreddable (the vault's role, without it)."""

    def __init__(self) -> None:
        self.keys: dict[str, DataKey] = {}

    def seal(self, subject_id: str, plaintext: bytes, place: tuple[str, ...]) -> bytes:
        key = self.keys.setdefault(subject_id, DataKey(os.urandom(32), f"sk_{subject_id}"))
        return key.seal(plaintext, (*place, subject_id))

    def open(self, subject_id: str, sealed: bytes, place: tuple[str, ...]) -> bytes:
        key = self.keys.get(subject_id)
        if key is None:
            raise SealError(f"{subject_id}'s key was shredded")
        return key.open(sealed, (*place, subject_id))


class LeaveUnsealed:
    """A servicer's sealer that seals nothing, for tests that read what an adapter releases
    in plaintext."""

    def seal(self, case: case_pb2.Case, subject: str) -> int:
        """Leave ``case`` as it is; nothing sealed."""
        return 0
