"""Data keys wrapped to the key custodian (caseline.v1.lib.key_wrap): they unwrap only for the
custodian key, agency, case, subject and key id they were wrapped for, and the format is the
RFC 9180 HPKE the module documents (checked with a second, independent implementation)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDFExpand
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from hypothesis import given, settings
from hypothesis import strategies as st

from caseline.v1.lib.key_wrap import (
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
# Adapters wrap for (agency, subject); a place may also name the case.
PLACE = ("courts", "psn_ana")
CASE_PLACE = ("courts", "A201555123", "psn_ana")


def _raw(key: X25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _wrapped(place: tuple[str, ...] = PLACE) -> tuple[str, bytes, bytes]:
    key_id, data_key = new_data_key()
    return key_id, data_key, wrap_data_key(CUSTODIAN.public_key(), data_key, key_id, place)


def test_round_trip_and_fresh_keys() -> None:
    for place in (PLACE, CASE_PLACE):
        key_id, data_key, wrapped = _wrapped(place)
        assert len(wrapped) == WRAPPED_BYTES and data_key not in wrapped
        assert unwrap_data_key(CUSTODIAN, wrapped, key_id, place) == data_key
    other_id, other_key = new_data_key()
    assert other_id != key_id and other_key != data_key
    assert other_id.startswith("dk_") and len(other_key) == 32


Moved = tuple[X25519PrivateKey, str, tuple[str, ...]]

# Each moves a wrapped key (wrapped for CASE_PLACE) somewhere else: one thing differs.
ELSEWHERE: dict[str, Callable[[str], Moved]] = {
    "agency": lambda key_id: (CUSTODIAN, key_id, ("immigration", *CASE_PLACE[1:])),
    "case number": lambda key_id: (CUSTODIAN, key_id, (CASE_PLACE[0], "A201555124",
                                                       CASE_PLACE[2])),
    "subject": lambda key_id: (CUSTODIAN, key_id, (*CASE_PLACE[:2], "psn_raj")),
    "no case number": lambda key_id: (CUSTODIAN, key_id, PLACE),
    "data key id": lambda key_id: (CUSTODIAN, new_data_key()[0], CASE_PLACE),
    "custodian key": lambda key_id: (X25519PrivateKey.generate(), key_id, CASE_PLACE),
}


@pytest.mark.parametrize("change", sorted(ELSEWHERE))
def test_a_wrapped_key_opens_only_where_it_was_wrapped_for(change: str) -> None:
    key_id, data_key, wrapped = _wrapped(CASE_PLACE)
    custodian, moved_id, place = ELSEWHERE[change](key_id)
    with pytest.raises(WrapError, match="does not open"):
        unwrap_data_key(custodian, wrapped, moved_id, place)
    assert unwrap_data_key(CUSTODIAN, wrapped, key_id, CASE_PLACE) == data_key  # control


@settings(max_examples=200, deadline=None)
@given(position=st.integers(min_value=0, max_value=WRAPPED_BYTES - 1),
       mask=st.integers(min_value=1, max_value=255))
def test_any_altered_byte_is_refused(position: int, mask: int) -> None:
    key_id, _, wrapped = _wrapped()
    altered = bytearray(wrapped)
    altered[position] ^= mask
    with pytest.raises(WrapError, match="does not open"):
        unwrap_data_key(CUSTODIAN, bytes(altered), key_id, PLACE)


@pytest.mark.parametrize("length", [0, 32, WRAPPED_BYTES - 1, WRAPPED_BYTES + 1])
def test_a_wrapped_key_of_the_wrong_length_is_refused(length: int) -> None:
    key_id, _, wrapped = _wrapped()
    cut = (wrapped + b"\0")[:length]
    with pytest.raises(WrapError, match=f"a wrapped data key has {WRAPPED_BYTES} bytes, "
                                        f"got {length}$"):
        unwrap_data_key(CUSTODIAN, cut, key_id, PLACE)


@pytest.mark.parametrize("length", [0, 16, 31, 33])
def test_a_data_key_of_the_wrong_length_is_not_wrapped(length: int) -> None:
    with pytest.raises(WrapError, match=f"a data key has 32 bytes, got {length}$"):
        wrap_data_key(CUSTODIAN.public_key(), bytes(length), "dk_x", PLACE)


def test_the_key_id_is_the_rfc_7638_thumbprint() -> None:
    # RFC 7638 §3: the required members only, sorted, no whitespace; SHA-256; base64url.
    members = {"crv": "X25519", "kty": "OKP", "x": _b64url(_raw(CUSTODIAN.public_key()))}
    canonical = json.dumps(members, separators=(",", ":"), sort_keys=True)
    expected = _b64url(hashlib.sha256(canonical.encode()).digest())
    assert custodian_key_id(CUSTODIAN.public_key()) == expected
    assert custodian_key_id(X25519PrivateKey.generate().public_key()) != expected


def test_the_published_jwk_round_trips() -> None:
    jwk = public_jwk(CUSTODIAN.public_key())
    assert jwk["kty"] == "OKP" and jwk["crv"] == "X25519" and jwk["use"] == "enc"
    assert jwk["kid"] == custodian_key_id(CUSTODIAN.public_key())
    key = public_key_of_jwk(dict(jwk))
    assert _raw(key) == _raw(CUSTODIAN.public_key())
    key_id, data_key, _ = _wrapped()
    # A key wrapped to the key read back from the JWK opens for the custodian.
    wrapped = wrap_data_key(key, data_key, key_id, PLACE)
    assert unwrap_data_key(CUSTODIAN, wrapped, key_id, PLACE) == data_key


def _x_of(other: X25519PrivateKey) -> str:
    return _b64url(_raw(other.public_key()))


REFUSED_JWKS: dict[str, tuple[dict[str, object], str]] = {
    "wrong kid": ({"kid": "not-it"}, "kid is not the RFC 7638 thumbprint"),
    "another key's kid": ({"kid": custodian_key_id(X25519PrivateKey.generate().public_key())},
                          "kid is not the RFC 7638 thumbprint"),
    "another key under this kid": ({"x": _x_of(X25519PrivateKey.generate())},
                                   "kid is not the RFC 7638 thumbprint"),
    "wrong curve": ({"crv": "Ed25519"}, "OKP JWK on curve X25519"),
    "wrong key type": ({"kty": "EC"}, "OKP JWK on curve X25519"),
    "no x": ({"x": None}, "has no 'x'"),
    "short x": ({"x": "AAAA"}, "32 bytes, got 3"),
    "x with a stray character": ({"x": "!" + _x_of(CUSTODIAN)}, "not base64url"),
    "padded x": ({"x": _x_of(CUSTODIAN) + "="}, "not base64url"),
    "x of impossible length": ({"x": "A"}, "not base64url"),
}


@pytest.mark.parametrize("case", sorted(REFUSED_JWKS))
def test_a_wrong_jwk_is_refused(case: str) -> None:
    changes, message = REFUSED_JWKS[case]
    jwk: dict[str, object] = {**public_jwk(CUSTODIAN.public_key()), **changes}
    with pytest.raises(WrapError, match=message):
        public_key_of_jwk({k: v for k, v in jwk.items() if v is not None})


# -- RFC 9180 by hand: base mode, DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-256-GCM ---------

KEM_SUITE = b"KEM" + (0x0020).to_bytes(2, "big")
HPKE_SUITE = b"HPKE" + (0x0020).to_bytes(2, "big") + (0x0001).to_bytes(2, "big") \
    + (0x0002).to_bytes(2, "big")


def _extract(salt: bytes, ikm: bytes) -> bytes:
    return hmac.new(salt or bytes(32), ikm, "sha256").digest()


def _labeled_extract(suite: bytes, salt: bytes, label: bytes, ikm: bytes) -> bytes:
    return _extract(salt, b"HPKE-v1" + suite + label + ikm)


def _labeled_expand(suite: bytes, prk: bytes, label: bytes, info: bytes, length: int) -> bytes:
    labeled = length.to_bytes(2, "big") + b"HPKE-v1" + suite + label + info
    return HKDFExpand(hashes.SHA256(), length, labeled).derive(prk)


def _seal_by_hand(enc: bytes, dh: bytes, recipient: X25519PublicKey, info: bytes,
                  plaintext: bytes) -> bytes:
    eae_prk = _labeled_extract(KEM_SUITE, b"", b"eae_prk", dh)
    shared = _labeled_expand(KEM_SUITE, eae_prk, b"shared_secret", enc + _raw(recipient), 32)
    context = (b"\x00" + _labeled_extract(HPKE_SUITE, b"", b"psk_id_hash", b"")
               + _labeled_extract(HPKE_SUITE, b"", b"info_hash", info))
    secret = _labeled_extract(HPKE_SUITE, shared, b"secret", b"")
    key = _labeled_expand(HPKE_SUITE, secret, b"key", context, 32)
    nonce = _labeled_expand(HPKE_SUITE, secret, b"base_nonce", context, 12)
    return enc + AESGCM(key).encrypt(nonce, plaintext, b"")


def _info(place: tuple[str, ...], key_id: str) -> bytes:
    """The documented binding: length-prefixed scheme, place parts, key id, custodian kid."""
    parts = ["HPKE-Base-X25519-SHA256-AES256GCM", *place, key_id,
             custodian_key_id(CUSTODIAN.public_key())]
    return b"".join(len(p.encode()).to_bytes(4, "big") + p.encode() for p in parts)


def test_a_key_wrapped_by_an_independent_hpke_implementation_opens() -> None:
    """The wire format is standard HPKE with the documented info: any RFC 9180 library can
    wrap for the custodian."""
    key_id, data_key = new_data_key()
    ephemeral = X25519PrivateKey.generate()
    wrapped = _seal_by_hand(_raw(ephemeral.public_key()), ephemeral.exchange(
        CUSTODIAN.public_key()), CUSTODIAN.public_key(), _info(PLACE, key_id), data_key)
    assert unwrap_data_key(CUSTODIAN, wrapped, key_id, PLACE) == data_key


@pytest.mark.parametrize("enc_hex", [
    "00" * 32,  # u = 0
    "01" + "00" * 31,  # u = 1
    "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",  # order 8
])
def test_an_ephemeral_key_of_low_order_is_refused(enc_hex: str) -> None:
    """RFC 9180 §7.1.4: the all-zero DH output such a key gives must abort, even though it
    would otherwise open (anyone can compute the key it leads to)."""
    key_id, data_key = new_data_key()
    wrapped = _seal_by_hand(bytes.fromhex(enc_hex), bytes(32), CUSTODIAN.public_key(),
                            _info(PLACE, key_id), data_key)
    with pytest.raises(WrapError, match="does not open"):
        unwrap_data_key(CUSTODIAN, wrapped, key_id, PLACE)
