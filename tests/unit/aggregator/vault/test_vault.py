"""open_vault wires the keyring, key service, custodian and subject keys of a state
directory; its status is what `caseline keys status` shows."""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from aggregator.store import make_engine
from aggregator.vault import Keyring, KeyringError, LocalKeyService, open_vault
from aggregator.vault.tables import subject_keys as table
from caseline.v1.lib.key_wrap import new_data_key, public_key_of_jwk, wrap_data_key


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    """The aggregator's SQLite database in the state directory."""
    engine = make_engine(f"sqlite:///{tmp_path / 'state' / 'aggregator.sqlite3'}")
    yield engine
    engine.dispose()


def test_open_vault_uses_the_state_directory(tmp_path: Path, engine: Engine,
                                             environ: dict[str, str]) -> None:
    """The keyring lands in state/keys; all parts share it; a second open sees the same
    keys."""
    state = tmp_path / "state"
    vault = open_vault(state, engine, environ=environ)
    assert vault.keyring.path == state / "keys" / "keyring.json"
    assert vault.keyring.protection == "environment key"
    sealed = vault.subject_keys.seal("ana", b"v", ("link",))
    key_id, data_key = new_data_key()
    public = public_key_of_jwk(vault.custodian.public_jwks()[0])
    wrapped = wrap_data_key(public, data_key, key_id, ("courts", "A201555123", "psn"))

    again = open_vault(state, engine, environ=environ)
    assert again.subject_keys.open("ana", sealed, ("link",)) == b"v"
    assert again.custodian.unwrap(wrapped, key_id, again.custodian.primary_kid,
                                  ("courts", "A201555123", "psn")) == data_key


def test_an_external_key_service_can_be_plugged_in(tmp_path: Path, engine: Engine,
                                                   environ: dict[str, str]) -> None:
    """Subject keys are wrapped by the key service given, not the local keyring's KEKs."""
    external = LocalKeyService(Keyring(tmp_path / "elsewhere" / "kms.json", environ=environ))
    vault = open_vault(tmp_path / "state", engine, kms=external, environ=environ)
    assert vault.kms is external
    vault.subject_keys.seal("ana", b"v", ("link",))
    assert external.encryptions("kek-1") == 1
    assert vault.keyring.content().keks == []


def test_a_lost_keyring_is_refused_not_recreated(tmp_path: Path, engine: Engine,
                                                environ: dict[str, str]) -> None:
    """With subject keys in the database and no keyring, opening fails, says what is lost and
    how to recover, and writes nothing; the restored file opens everything again."""
    state = tmp_path / "state"
    vault = open_vault(state, engine, environ=environ)
    sealed = [vault.subject_keys.seal(s, b"v", ("link",)) for s in ("ana", "ben")]
    path = vault.keyring.path
    backup = path.read_bytes()
    path.unlink()

    with pytest.raises(KeyringError) as refused:
        open_vault(state, engine, environ=environ)
    message = str(refused.value)
    assert "keyring.json is missing" in message
    assert "2 subject key(s)" in message and "kek-1" in message
    assert "restore" in message
    assert not path.exists()

    path.write_bytes(backup)
    again = open_vault(state, engine, environ=environ)
    assert [again.subject_keys.open(s, v, ("link",)) for s, v in zip(("ana", "ben"), sealed,
                                                                      strict=True)] == [b"v"] * 2


def test_an_older_keyring_without_a_kek_in_use_is_refused(tmp_path: Path, engine: Engine,
                                                          environ: dict[str, str]) -> None:
    """A keyring restored from before a KEK rotation lacks the new KEK: refused, unchanged."""
    state = tmp_path / "state"
    vault = open_vault(state, engine, environ=environ)
    vault.subject_keys.seal("ana", b"v", ("link",))
    before_rotation = vault.keyring.path.read_bytes()
    vault.kms.rotate()
    vault.subject_keys.seal("ben", b"v", ("link",))  # a new subject: a key under the new KEK
    vault.keyring.path.write_bytes(before_rotation)

    with pytest.raises(KeyringError, match=r"lacks the key-encryption keys kek-2 that 1 "):
        open_vault(state, engine, environ=environ)
    assert vault.keyring.path.read_bytes() == before_rotation


def test_a_database_from_before_a_kek_destruction_opens_with_a_warning(
        tmp_path: Path, engine: Engine, environ: dict[str, str],
        caplog: pytest.LogCaptureFixture) -> None:
    """Keys under a destroyed KEK (a database restored from before the destruction) can
    never open again; refusing to start would not bring them back, so the vault opens, says
    so in the log, and leaves live keys alone."""
    state = tmp_path / "state"
    vault = open_vault(state, engine, environ=environ)
    vault.subject_keys.seal("ana", b"v", ("link",))
    vault.kms.rotate()
    vault.subject_keys.rewrap()
    vault.subject_keys.seal("ben", b"v", ("link",))
    vault.kms.destroy("kek-1")
    with engine.begin() as conn:  # ana's key as the old backup holds it: under kek-1
        conn.execute(sa.update(table).where(table.c.subject_id == "ana")
                     .values(kek_id="kek-1"))

    with caplog.at_level(logging.WARNING, "caseline.aggregator.vault"):
        reopened = open_vault(state, engine, environ=environ)
    assert "destroyed key-encryption keys cannot be opened" in caplog.text
    assert reopened.status()["subject_keys_under_destroyed_keks"] == 1


def test_a_fresh_state_with_an_empty_database_gets_a_keyring(tmp_path: Path, engine: Engine,
                                                             environ: dict[str, str]) -> None:
    """No subject keys yet: nothing to lose, so a missing keyring is created as before."""
    vault = open_vault(tmp_path / "state", engine, environ=environ)
    assert vault.keyring.path.exists()
    assert vault.kms.primary_id() == "kek-1"


def test_status_names_keys_and_protection_without_key_material(
        tmp_path: Path, engine: Engine, environ: dict[str, str]) -> None:
    """KEKs, custodian kids with the primary first, counts and the keyring's protection."""
    vault = open_vault(tmp_path / "state", engine, environ=environ)
    vault.subject_keys.seal("ana", b"v", ("link",))
    old_kid = vault.custodian.primary_kid
    new_kid = vault.custodian.rotate()
    status = vault.status()
    assert status["keyring"]["protection"] == "environment key"
    assert status["custodian_keys"] == [{"kid": new_kid, "primary": True},
                                        {"kid": old_kid, "primary": False}]
    assert status["keks"] == [{"id": "kek-1", "primary": True, "encryptions": 1}]
    assert (status["subject_keys"], status["pending_rewrap"]) == (1, 0)
    dumped = json.dumps(status).encode()
    content = vault.keyring.content()
    for secret in [k.key for k in content.keks] + [c.private for c in content.custodian_keys]:
        for form in (base64.b64encode(secret), base64.urlsafe_b64encode(secret).rstrip(b"="),
                     secret.hex().encode()):
            assert form not in dumped
