"""The key custodian unwraps data keys agencies wrapped to it, for their place only, across
rotations; its private keys stay inside."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from aggregator.vault import CustodianError, KeyCustodian, Keyring
from caseline.v1.lib.key_wrap import new_data_key, public_key_of_jwk, wrap_data_key

PLACE = ("immigration", "IOE0912345678", "psn_ana")


def test_first_use_creates_one_custodian_key_and_keeps_it(keyring: Keyring,
                                                          keyring_path: Path,
                                                          environ: dict[str, str]) -> None:
    """A fresh keyring gets a custodian key; the next custodian loads the same one."""
    custodian = KeyCustodian(keyring)
    assert len(custodian.kids()) == 1
    again = KeyCustodian(Keyring(keyring_path, environ=environ))
    assert again.primary_kid == custodian.primary_kid
    assert again.public_jwks() == custodian.public_jwks()


def test_unwraps_a_key_wrapped_to_its_primary_public_key(keyring: Keyring) -> None:
    """An adapter wraps to the published JWK; the custodian gets the same data key back."""
    custodian = KeyCustodian(keyring)
    jwk = custodian.public_jwks()[0]
    assert jwk["kid"] == custodian.primary_kid and jwk["use"] == "enc"
    public = public_key_of_jwk(jwk)
    key_id, data_key = new_data_key()
    wrapped = wrap_data_key(public, data_key, key_id, PLACE)
    assert custodian.unwrap(wrapped, key_id, jwk["kid"], PLACE) == data_key


@pytest.mark.parametrize("elsewhere", [
    ("immigration", "IOE0912345678", "psn_raj"),
    ("labor", "IOE0912345678", "psn_ana"),
    ("immigration", "IOE0000000000", "psn_ana"),
])
def test_refuses_a_wrapped_key_moved_to_another_place(keyring: Keyring,
                                                      elsewhere: tuple[str, ...]) -> None:
    """Another subject, agency or case: CustodianError (a ValueError), naming the key."""
    custodian = KeyCustodian(keyring)
    key_id, data_key = new_data_key()
    wrapped = wrap_data_key(custodian.primary_public_key(), data_key, key_id, PLACE)
    with pytest.raises(CustodianError, match=f"data key '{key_id}' does not unwrap"):
        custodian.unwrap(wrapped, key_id, custodian.primary_kid, elsewhere)
    with pytest.raises(ValueError):
        custodian.unwrap(wrapped, "dk_other", custodian.primary_kid, PLACE)


def test_keeps_unwrapping_after_rotation(keyring: Keyring) -> None:
    """rotate() adds a new primary (published first); keys wrapped to the old one open."""
    custodian = KeyCustodian(keyring)
    old_kid = custodian.primary_kid
    key_id, data_key = new_data_key()
    old_wrapped = wrap_data_key(custodian.primary_public_key(), data_key, key_id, PLACE)
    new_kid = custodian.rotate()
    assert new_kid != old_kid and custodian.primary_kid == new_kid
    assert [j["kid"] for j in custodian.public_jwks()] == [new_kid, old_kid]
    assert custodian.unwrap(old_wrapped, key_id, old_kid, PLACE) == data_key
    new_wrapped = wrap_data_key(custodian.primary_public_key(), data_key, key_id, PLACE)
    assert custodian.unwrap(new_wrapped, key_id, new_kid, PLACE) == data_key


def test_a_rotation_by_another_process_is_found_on_reload(keyring: Keyring,
                                                          keyring_path: Path,
                                                          environ: dict[str, str]) -> None:
    """An unknown kid re-reads the keyring once; a kid nobody holds fails clearly."""
    serving = KeyCustodian(keyring)
    cli = KeyCustodian(Keyring(keyring_path, environ=environ))
    new_kid = cli.rotate()
    key_id, data_key = new_data_key()
    wrapped = wrap_data_key(cli.primary_public_key(), data_key, key_id, PLACE)
    assert serving.unwrap(wrapped, key_id, new_kid, PLACE) == data_key
    assert serving.primary_kid == new_kid
    with pytest.raises(CustodianError, match="unknown custodian key 'nobody'"):
        serving.unwrap(wrapped, key_id, "nobody", PLACE)


def test_nothing_it_publishes_holds_a_private_key(keyring: Keyring) -> None:
    """Neither the JWKS nor the status carries private key bytes (or a JWK "d")."""
    custodian = KeyCustodian(keyring)
    custodian.rotate()
    published = json.dumps([custodian.public_jwks(), custodian.status()]).encode()
    assert b'"d"' not in published
    privates = [c.private for c in keyring.content().custodian_keys]
    assert len(privates) == 2
    for private in privates:
        for form in (base64.urlsafe_b64encode(private).rstrip(b"="),
                     base64.b64encode(private), private.hex().encode()):
            assert form not in published
    assert not any(name for name in vars(custodian) if not name.startswith("_"))
