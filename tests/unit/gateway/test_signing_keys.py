"""Issuer keys: each algorithm with its own key type only, kids honoured, and a JWKS
address read, cached and refreshed for an unknown kid."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from gateway.signing_keys import KeysUnavailable, RemoteKeys, StaticKeys, fits
from support.jwks_server import jwk, serving_jwks

ED = ed25519.Ed25519PrivateKey.generate().public_key()
RSA = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key()
EC = ec.generate_private_key(ec.SECP256R1()).public_key()


@pytest.mark.parametrize(("algorithm", "key", "ok"), [
    ("EdDSA", ED, True), ("RS256", RSA, True), ("ES256", EC, True),
    ("RS256", ED, False), ("EdDSA", RSA, False), ("ES256", RSA, False),
    ("HS256", ED, False), ("none", ED, False),
    ("ES256", ec.generate_private_key(ec.SECP384R1()).public_key(), False),
    ("RS256", rsa.generate_private_key(public_exponent=65537, key_size=1024).public_key(),
     False)])
def test_each_algorithm_takes_only_its_key_type(algorithm: str, key: object, ok: bool) -> None:
    assert fits(algorithm, key) is ok


def test_static_keys_pick_by_type_and_kid() -> None:
    keys = StaticKeys.from_jwks({"keys": [jwk(ED, "a"), jwk(RSA, "b"), jwk(EC, "c")]})
    assert len(keys.candidates("RS256", "b")) == 1
    assert keys.candidates("RS256", "a") == []  # kid a is an Ed25519 key
    assert len(keys.candidates("EdDSA", None)) == 1
    assert len(StaticKeys([ED]).candidates("EdDSA", "anything")) == 1


def test_a_jwks_without_usable_keys_is_refused() -> None:
    with pytest.raises(ValueError, match="not a usable JWKS document"):
        StaticKeys.from_jwks({"keys": []})


def test_remote_keys_are_cached_and_refreshed_for_a_new_kid() -> None:
    with serving_jwks(jwk(RSA, "old")) as jwks:
        keys = RemoteKeys(jwks.url, refresh_cooldown_s=0)
        assert len(keys.candidates("RS256", "old")) == 1
        assert len(keys.candidates("RS256", "old")) == 1
        assert jwks.hits == 1
        jwks.document = {"keys": [jwk(RSA, "old"), jwk(EC, "new")]}  # the issuer rotated
        assert len(keys.candidates("ES256", "new")) == 1
        assert jwks.hits == 2


def test_an_unreachable_jwks_is_keys_unavailable() -> None:
    with pytest.raises(KeysUnavailable, match="the issuer's JWKS at"):
        RemoteKeys("http://127.0.0.1:9/jwks", timeout_s=1).candidates("RS256", "k")
