"""Data keys wrapped to the key custodian (caseline.v1.key_wrap): they unwrap only for the
custodian key, agency, subject and key id they were wrapped for."""

from __future__ import annotations

import base64
import hashlib
import json

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from hypothesis import given, settings
from hypothesis import strategies as st

from caseline.v1.key_wrap import (
    WRAPPED_BYTES,
    WrapError,
    custodian_key_id,
    new_data_key,
    public_jwk,
    public_key_of_jwk,
    unwrap_data_key,
    wrap_data_key,
)

CUSTODIAN = X25519PrivateKey.generate()
PLACE = ("courts", "psn_ana")


def _wrapped() -> tuple[str, bytes, bytes]:
    key_id, data_key = new_data_key()
    return key_id, data_key, wrap_data_key(CUSTODIAN.public_key(), data_key, key_id, PLACE)


def test_round_trip_and_fresh_keys() -> None:
    key_id, data_key, wrapped = _wrapped()
    assert len(wrapped) == WRAPPED_BYTES and data_key not in wrapped
    assert unwrap_data_key(CUSTODIAN, wrapped, key_id, PLACE) == data_key
    other_id, other_key = new_data_key()
    assert (other_id, other_key) != (key_id, data_key)


@pytest.mark.parametrize("change", ["agency", "subject", "key id", "custodian"])
def test_a_wrapped_key_opens_only_where_it_was_wrapped_for(change: str) -> None:
    key_id, _, wrapped = _wrapped()
    custodian, place = CUSTODIAN, PLACE
    if change == "agency":
        place = ("immigration", PLACE[1])
    elif change == "subject":
        place = (PLACE[0], "psn_raj")
    elif change == "key id":
        key_id = key_id + "x"
    else:
        custodian = X25519PrivateKey.generate()
    with pytest.raises(WrapError, match="does not open"):
        unwrap_data_key(custodian, wrapped, key_id, place)


@settings(max_examples=80, deadline=None)
@given(position=st.integers(min_value=0, max_value=WRAPPED_BYTES - 1),
       bit=st.integers(min_value=0, max_value=7))
def test_any_flipped_bit_is_refused(position: int, bit: int) -> None:
    key_id, _, wrapped = _wrapped()
    altered = bytearray(wrapped)
    altered[position] ^= 1 << bit
    with pytest.raises(WrapError):
        unwrap_data_key(CUSTODIAN, bytes(altered), key_id, PLACE)


def test_wrong_lengths_are_refused_with_what_is_expected() -> None:
    key_id, _, wrapped = _wrapped()
    with pytest.raises(WrapError, match=f"has {WRAPPED_BYTES} bytes, got 79"):
        unwrap_data_key(CUSTODIAN, wrapped[:-1], key_id, PLACE)
    with pytest.raises(WrapError, match="a data key has 32 bytes, got 16"):
        wrap_data_key(CUSTODIAN.public_key(), bytes(16), key_id, PLACE)


def test_the_key_id_is_the_rfc_7638_thumbprint() -> None:
    raw = CUSTODIAN.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    x = base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
    canonical = json.dumps({"crv": "X25519", "kty": "OKP", "x": x}, separators=(",", ":"),
                           sort_keys=True)
    expected = base64.urlsafe_b64encode(hashlib.sha256(canonical.encode()).digest())
    assert custodian_key_id(CUSTODIAN.public_key()) == expected.rstrip(b"=").decode()


def test_the_published_jwk_round_trips_and_a_wrong_one_is_refused() -> None:
    jwk = public_jwk(CUSTODIAN.public_key())
    assert jwk["use"] == "enc" and jwk["crv"] == "X25519"
    key = public_key_of_jwk(dict(jwk))
    assert custodian_key_id(key) == jwk["kid"]
    with pytest.raises(WrapError, match="thumbprint"):
        public_key_of_jwk({**jwk, "kid": "not-it"})
    with pytest.raises(WrapError, match="curve X25519"):
        public_key_of_jwk({**jwk, "crv": "Ed25519"})
    with pytest.raises(WrapError, match="32 bytes"):
        public_key_of_jwk({**jwk, "x": "AAAA"})
