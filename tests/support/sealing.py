"""Opening what an adapter sealed, as the aggregator's key custodian would (for tests)."""

from __future__ import annotations

from collections.abc import Collection

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from caseline.v1 import case_pb2
from caseline.v1.key_wrap import unwrap_data_key
from caseline.v1.sealed import DataKey
from caseline.v1.sealed_fields import OpenReport, open_case


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
