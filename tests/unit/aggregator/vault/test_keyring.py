"""The keyring file: encrypted, 0600, opened only with the right key, shared safely."""

from __future__ import annotations

import base64
import json
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest

from aggregator.vault import Keyring, KeyringError
from aggregator.vault.keyring import KeyringContent

PASSPHRASE = "correct horse battery staple"


def _forms(secret: bytes) -> list[bytes]:
    """Every way a key could show up in a text file."""
    b64 = base64.b64encode(secret)
    url = base64.urlsafe_b64encode(secret)
    return [secret, b64, b64.rstrip(b"="), url, url.rstrip(b"="), secret.hex().encode(),
            secret.hex().upper().encode()]


def _fill(keyring: Keyring) -> KeyringContent:
    """Two KEKs and a custodian key; the content as written."""
    def change(content: KeyringContent) -> None:
        content.add_kek()
        content.add_kek()
        content.add_custodian_key()
    keyring.update(change)
    return keyring.content()


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize("environ", [
    {},
    {"CASELINE_KEYRING_PASSPHRASE": PASSPHRASE},
    {"CASELINE_KEYRING_KEY": base64.b64encode(bytes(range(32))).decode()},
], ids=["key file", "passphrase", "environment key"])
def test_keyring_is_0600_and_holds_no_key_bytes(keyring_path: Path,
                                                environ: dict[str, str]) -> None:
    """Whatever protects it, the file is private and none of its keys appear in it, neither
    raw, base64 nor hex; nor does the wrapping key."""
    keyring = Keyring(keyring_path, environ=environ)
    content = _fill(keyring)
    raw = keyring_path.read_bytes()
    assert _mode(keyring_path) == 0o600
    secrets = [k.key for k in content.keks] + [c.private for c in content.custodian_keys]
    if keyring.protection == "key file":
        assert _mode(keyring.key_file) == 0o600
        secrets.append(keyring.key_file.read_bytes())
    if keyring.protection == "environment key":
        secrets.append(bytes(range(32)))
    assert len(secrets) >= 3
    for secret in secrets:
        for form in _forms(secret):
            assert form not in raw
    # What did go in: the ids, readable by a fresh instance only.
    assert [k.id for k in Keyring(keyring_path, environ=environ).content().keks] == [
        "kek-1", "kek-2"]


def test_key_file_is_the_default_and_created_on_first_use(keyring_path: Path) -> None:
    """With neither variable set the keyring uses (and creates) keys/keyring.key."""
    keyring = Keyring(keyring_path, environ={})
    assert keyring.protection == "key file"
    assert not keyring.key_file.exists()
    keyring.content()
    assert keyring.key_file == keyring_path.with_name("keyring.key")
    assert len(keyring.key_file.read_bytes()) == 32
    header = json.loads(keyring_path.read_bytes())["header"]
    assert header["kdf"] == {"name": "none", "source": "key file"}
    assert header["format"] == "caseline-keyring" and header["version"] == 2


def test_environment_key_takes_precedence_and_needs_no_key_file(keyring_path: Path,
                                                                environ: dict[str, str]) -> None:
    """CASELINE_KEYRING_KEY wins over a passphrase; no key file is written."""
    both = {**environ, "CASELINE_KEYRING_PASSPHRASE": PASSPHRASE}
    keyring = Keyring(keyring_path, environ=both)
    assert keyring.protection == "environment key"
    written = _fill(keyring)
    assert not keyring.key_file.exists()
    assert json.loads(keyring_path.read_bytes())["header"]["kdf"]["name"] == "none"
    assert Keyring(keyring_path, environ=environ).content() == written


def test_passphrase_uses_scrypt_with_a_salt_in_the_header(keyring_path: Path) -> None:
    """A passphrase keyring records scrypt n=2^15 r=8 p=1 and its random salt, and opens
    again with the same passphrase."""
    env = {"CASELINE_KEYRING_PASSPHRASE": PASSPHRASE}
    keyring = Keyring(keyring_path, environ=env)
    assert keyring.protection == "passphrase"
    written = _fill(keyring)
    kdf = json.loads(keyring_path.read_bytes())["header"]["kdf"]
    assert (kdf["name"], kdf["n"], kdf["r"], kdf["p"]) == ("scrypt", 2**15, 8, 1)
    assert len(base64.b64decode(kdf["salt"])) == 16
    assert not keyring.key_file.exists()
    assert Keyring(keyring_path, environ=env).content() == written


@pytest.mark.parametrize(("right", "wrong", "variable"), [
    ({"CASELINE_KEYRING_PASSPHRASE": PASSPHRASE},
     {"CASELINE_KEYRING_PASSPHRASE": PASSPHRASE + "!"}, "CASELINE_KEYRING_PASSPHRASE"),
    ({"CASELINE_KEYRING_KEY": base64.b64encode(b"a" * 32).decode()},
     {"CASELINE_KEYRING_KEY": base64.b64encode(b"b" * 32).decode()}, "CASELINE_KEYRING_KEY"),
], ids=["passphrase", "environment key"])
def test_wrong_secret_is_refused_and_the_file_left_alone(
        keyring_path: Path, right: dict[str, str], wrong: dict[str, str],
        variable: str) -> None:
    """Reading or changing with the wrong secret fails, names the variable to check, and
    does not rewrite the file."""
    _fill(Keyring(keyring_path, environ=right))
    before = keyring_path.read_bytes()
    inode = keyring_path.stat().st_ino
    intruder = Keyring(keyring_path, environ=wrong)
    with pytest.raises(KeyringError, match=f"does not open with that .*{variable}"):
        intruder.content()
    with pytest.raises(KeyringError, match=variable):
        intruder.update(lambda content: content.add_kek())
    assert keyring_path.read_bytes() == before
    assert keyring_path.stat().st_ino == inode  # not even replaced by an equal copy


def test_header_is_bound_as_associated_data(keyring_path: Path,
                                            environ: dict[str, str]) -> None:
    """Editing the header (here a field the key does not depend on) makes it not open."""
    _fill(Keyring(keyring_path, environ=environ))
    document = json.loads(keyring_path.read_bytes())
    document["header"]["kdf"]["source"] = "key file"
    keyring_path.write_text(json.dumps(document))
    with pytest.raises(KeyringError, match="does not open"):
        Keyring(keyring_path, environ=environ).content()


def test_protection_mismatch_says_what_to_set(keyring_path: Path,
                                              environ: dict[str, str]) -> None:
    """A passphrase keyring opened without one, or a key keyring opened with one, says which
    variable to set or unset."""
    passphrase_ring = keyring_path.with_name("p.json")
    Keyring(passphrase_ring, environ={"CASELINE_KEYRING_PASSPHRASE": PASSPHRASE}).content()
    with pytest.raises(KeyringError, match="protected by a passphrase: set "
                                           "CASELINE_KEYRING_PASSPHRASE"):
        Keyring(passphrase_ring, environ={}).content()
    Keyring(keyring_path, environ=environ).content()
    with pytest.raises(KeyringError, match="unset CASELINE_KEYRING_PASSPHRASE"):
        Keyring(keyring_path, environ={"CASELINE_KEYRING_PASSPHRASE": PASSPHRASE}).content()


def test_a_missing_key_file_is_not_replaced(keyring_path: Path) -> None:
    """If keyring.key is gone the keyring cannot open, and no new key file is made up."""
    Keyring(keyring_path, environ={}).content()
    keyring_path.with_name("keyring.key").unlink()
    with pytest.raises(KeyringError, match=r"key file .*keyring\.key is missing"):
        Keyring(keyring_path, environ={}).content()
    assert not keyring_path.with_name("keyring.key").exists()


@pytest.mark.parametrize("value", ["not base64!", base64.b64encode(b"short").decode(), ""])
def test_a_malformed_environment_key_is_refused_without_echoing_it(keyring_path: Path,
                                                                  value: str) -> None:
    """CASELINE_KEYRING_KEY must be base64 of 32 bytes; the message does not repeat it."""
    with pytest.raises(KeyringError, match="CASELINE_KEYRING_KEY must be the base64 of 32") as err:
        Keyring(keyring_path, environ={"CASELINE_KEYRING_KEY": value})
    assert value not in str(err.value) or not value


def test_an_empty_passphrase_is_refused(keyring_path: Path) -> None:
    """An empty passphrase is a mistake, not a request for the key file."""
    with pytest.raises(KeyringError, match="CASELINE_KEYRING_PASSPHRASE is set but empty"):
        Keyring(keyring_path, environ={"CASELINE_KEYRING_PASSPHRASE": ""})


def test_update_rereads_what_another_instance_wrote(keyring_path: Path,
                                                    environ: dict[str, str]) -> None:
    """A change made through a stale instance starts from the file, not its cache."""
    first = Keyring(keyring_path, environ=environ)
    second = Keyring(keyring_path, environ=environ)
    assert first.content().keks == []
    second.update(lambda content: content.add_kek())
    first.update(lambda content: content.add_kek())
    assert [k.id for k in second.reload().keks] == ["kek-1", "kek-2"]


def test_a_failed_change_writes_nothing(keyring: Keyring, keyring_path: Path) -> None:
    """If the change raises, the file stays as it was."""
    keyring.update(lambda content: content.add_kek())
    before = keyring_path.read_bytes()

    def broken(content: KeyringContent) -> None:
        content.add_kek()
        raise RuntimeError("interrupted")

    with pytest.raises(RuntimeError):
        keyring.update(broken)
    assert keyring_path.read_bytes() == before
    assert [k.id for k in keyring.content().keks] == ["kek-1"]


def test_keys_directory_is_private(keyring: Keyring, keyring_path: Path) -> None:
    """A keys directory the keyring creates is 0700."""
    keyring.content()
    assert _mode(keyring_path.parent) == 0o700


def test_a_keyring_is_written_as_version_3_only_once_it_records_a_destruction(
        keyring: Keyring, keyring_path: Path, environ: dict[str, str]) -> None:
    """Until a KEK is destroyed the file stays version 2 (an older Caseline still reads it);
    afterwards version 3, which an older Caseline refuses rather than rewrite without the
    destroyed ids. The record survives a re-read; a destroyed id holding key material again
    is refused as inconsistent."""
    keyring.update(lambda content: content.add_kek())
    keyring.update(lambda content: content.add_kek())
    assert json.loads(keyring_path.read_bytes())["header"]["version"] == 2
    keyring.update(lambda content: content.destroy_kek("kek-1", datetime.now(UTC)))
    assert json.loads(keyring_path.read_bytes())["header"]["version"] == 3
    reread = Keyring(keyring_path, environ=environ).content()
    assert [k.id for k in reread.destroyed_keks] == ["kek-1"]
    assert reread.kek("kek-1") is None and reread.primary_kek == "kek-2"
    broken = reread.to_json()
    broken["keks"].append({**broken["keks"][0], "id": "kek-1"})
    with pytest.raises(KeyringError, match="inconsistent"):
        KeyringContent.from_json(broken)
