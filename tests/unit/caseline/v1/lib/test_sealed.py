"""The sealed-field AEAD against Wycheproof, and its binding to field, case and subject."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from caseline.v1.lib.sealed import (
    SealError,
    associated_data,
    decrypt,
    encrypt,
    key_id_of,
    open_value,
    seal_value,
)

WYCHEPROOF = Path(__file__).parents[5].parent / "shared" / "testdata" / "wycheproof"


def _vectors() -> list[Any]:
    data = json.loads((WYCHEPROOF / "aes_gcm_test.json").read_text())
    return [pytest.param(group, test, id=f"tc{test['tcId']}")
            for group in data["testGroups"] for test in group["tests"]]


@pytest.mark.parametrize(("group", "test"), _vectors())
def test_wycheproof_aes_gcm(group: dict[str, Any], test: dict[str, Any]) -> None:
    """Valid vectors with a 256-bit key and a 96-bit nonce open to the message and seal back to
    the ciphertext; every other vector (invalid, other key or nonce sizes) is refused."""
    key, iv = bytes.fromhex(test["key"]), bytes.fromhex(test["iv"])
    aad, msg = bytes.fromhex(test["aad"]), bytes.fromhex(test["msg"])
    sealed = bytes.fromhex(test["ct"]) + bytes.fromhex(test["tag"])
    usable = group["keySize"] == 256 and group["ivSize"] == 96 and group["tagSize"] == 128
    if test["result"] == "valid" and usable:
        assert decrypt(key, iv, aad, sealed) == msg
        assert encrypt(key, iv, aad, msg) == sealed
    else:
        assert test["result"] in ("valid", "invalid")  # no "acceptable" vectors here
        with pytest.raises(SealError):
            decrypt(key, iv, aad, sealed)


KEY = bytes(range(32))
CONTEXT = ("courts", "A201555123", "events[3].hearing.court_address", "psn_abc")


@given(st.binary(max_size=200))
def test_round_trip_and_a_fresh_nonce_each_time(plaintext: bytes) -> None:
    first = seal_value(KEY, "k1", plaintext, CONTEXT)
    second = seal_value(KEY, "k1", plaintext, CONTEXT)
    assert first != second and key_id_of(first) == "k1"
    assert open_value(KEY, first, CONTEXT) == plaintext


@pytest.mark.parametrize("position", range(4))
def test_a_value_copied_elsewhere_does_not_open(position: int) -> None:
    """Another agency, case, field or subject: the associated data differs."""
    sealed = seal_value(KEY, "k1", b"1234 Main St", CONTEXT)
    moved = list(CONTEXT)
    moved[position] += "x"
    with pytest.raises(SealError, match="does not open"):
        open_value(KEY, sealed, tuple(moved))


def test_altered_header_or_body_and_wrong_keys_are_refused() -> None:
    sealed = seal_value(KEY, "k1", b"secret", CONTEXT)
    for i in range(len(sealed)):
        altered = bytearray(sealed)
        altered[i] ^= 0x01
        with pytest.raises(SealError):
            open_value(KEY, bytes(altered), CONTEXT)
    with pytest.raises(SealError):
        open_value(bytes(32), sealed, CONTEXT)
    with pytest.raises(SealError, match="32-byte key"):
        seal_value(bytes(16), "k1", b"x", CONTEXT)


def test_associated_data_is_unambiguous() -> None:
    assert associated_data("ab", "c") != associated_data("a", "bc")
    assert associated_data("", "x") != associated_data("x", "")
