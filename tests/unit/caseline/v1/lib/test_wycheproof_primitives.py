"""The primitives under Caseline's keys, against Wycheproof: X25519 and HKDF-SHA256 (inside the
HPKE wrapping of data keys to the key custodian) and Ed25519 (ledger checkpoints, consent
tokens, signed consents). Each vector is one test case; the library must give exactly the
expected answer, and refuse what must be refused."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

WYCHEPROOF = Path(__file__).parents[5].parent / "shared" / "testdata" / "wycheproof"


def _load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((WYCHEPROOF / name).read_text())
    return data


def _cases(name: str) -> list[Any]:
    return [pytest.param(group, test, id=f"tc{test['tcId']}")
            for group in _load(name)["testGroups"] for test in group["tests"]]


@pytest.mark.parametrize("name", ["x25519_test.json", "hkdf_sha256_test.json",
                                  "ed25519_test.json"])
def test_every_vector_of_a_file_is_a_case(name: str) -> None:
    """A file read short (or restructured) would otherwise pass with fewer cases."""
    cases = _cases(name)
    assert len(cases) == _load(name)["numberOfTests"] > 0
    assert len({case.id for case in cases}) == len(cases)


@pytest.mark.parametrize(("group", "test"), _cases("x25519_test.json"))
def test_x25519(group: dict[str, Any], test: dict[str, Any]) -> None:
    """Valid and acceptable exchanges give exactly the shared secret, except an all-zero one
    (a low-order public key), which is refused rather than used as key material."""
    private = X25519PrivateKey.from_private_bytes(bytes.fromhex(test["private"]))
    public = X25519PublicKey.from_public_bytes(bytes.fromhex(test["public"]))
    shared = bytes.fromhex(test["shared"])
    assert test["result"] in ("valid", "acceptable")
    if shared == bytes(32):
        assert "ZeroSharedSecret" in test["flags"]
        with pytest.raises(ValueError):
            private.exchange(public)
    else:
        assert private.exchange(public) == shared


@pytest.mark.parametrize(("group", "test"), _cases("hkdf_sha256_test.json"))
def test_hkdf_sha256(group: dict[str, Any], test: dict[str, Any]) -> None:
    """Valid vectors derive exactly ``okm``; a requested size past 255 hash lengths is
    refused."""
    def derive() -> bytes:
        return HKDF(algorithm=hashes.SHA256(), length=test["size"],
                    salt=bytes.fromhex(test["salt"]) or None,
                    info=bytes.fromhex(test["info"])).derive(bytes.fromhex(test["ikm"]))

    if test["result"] == "valid":
        assert derive() == bytes.fromhex(test["okm"])
    else:
        assert test["size"] > 255 * 32
        with pytest.raises(ValueError):
            derive()


@pytest.mark.parametrize(("group", "test"), _cases("ed25519_test.json"))
def test_ed25519(group: dict[str, Any], test: dict[str, Any]) -> None:
    """Valid signatures verify; every invalid one (malleated, truncated, wrong key, non-
    canonical) is refused."""
    key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(group["publicKey"]["pk"]))
    message, signature = bytes.fromhex(test["msg"]), bytes.fromhex(test["sig"])
    if test["result"] == "valid":
        key.verify(signature, message)
    else:
        with pytest.raises(InvalidSignature):
            key.verify(signature, message)
