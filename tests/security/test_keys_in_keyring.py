"""Issue 12 item 19: the keys that sign the ledger and consent tokens and derive pseudonyms
live in the encrypted keyring, not in plaintext files beside it; old state directories are
migrated without changing a key."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

from aggregator.bootstrap import (
    bootstrap,
    consent_issuer,
    consent_key,
    ledger_reference_key,
    open_ledger,
    open_state,
    pseudonym_key,
)
from aggregator.config import load_config
from aggregator.installation import LEGACY_ORIGIN
from aggregator.ledger.entries import link_entry
from aggregator.ledger.ledger import Ledger
from aggregator.ledger.note import NoteSigner
from aggregator.ledger.verifier import verify_export
from aggregator.state import StatePaths
from aggregator.vault import ENV_PASSPHRASE, Keyring, KeyringError
from aggregator.vault import keyring as keyring_module
from aggregator.vault.key_files import load_or_create_ed25519, load_or_create_secret
from aggregator.vault.pseudonyms import pseudonym

ROOT = Path(__file__).parents[2]
CONFIG = ROOT / "deploy" / "agencies.toml"


def _plaintext_keys(paths: StatePaths) -> list[Path]:
    return [p for p in (paths.legacy_consent_key, paths.legacy_pseudonym_key,
                        paths.legacy_ledger_key, paths.legacy_ledger_hmac) if p.exists()]


def _raw(key: object) -> bytes:
    return key.private_bytes(  # type: ignore[attr-defined, no-any-return]
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
        serialization.NoEncryption())


def _identity(paths: StatePaths) -> dict[str, object]:
    """Everything derived from the four keys, read back through the state directory."""
    store, vault = open_state(paths)
    ledger = open_ledger(paths, vault.keyring)
    try:
        return {"pseudonym": pseudonym(pseudonym_key(paths, vault.keyring), "ana"),
                "references": ledger_reference_key(paths, vault.keyring),
                "consent_kid": consent_issuer(paths, vault).jwks()["keys"][0]["kid"],
                "ledger": ledger.verifier_key()}
    finally:
        ledger.close()
        store.close()


async def test_bootstrap_keeps_no_plaintext_keys_and_they_are_stable(tmp_path: Path) -> None:
    paths = StatePaths(tmp_path / "state")
    service = bootstrap(load_config(CONFIG), paths.root, adapters={})
    first_pseudonym = service.pseudonym("ana")
    first_ledger = service.ledger.verifier_key()
    await service.close()
    assert _plaintext_keys(paths) == []
    assert sorted(p.name for p in (paths.root / "keys").iterdir() if p.suffix in
                  (".pem", ".key")) == ["keyring.key"]
    again = _identity(paths)
    assert again["pseudonym"] == first_pseudonym and again["ledger"] == first_ledger
    assert _identity(paths) == again
    # The keyring holds them encrypted: the raw key appears nowhere in its file.
    secret = again["references"]
    assert isinstance(secret, bytes)
    on_disk = (paths.root / "keys" / "keyring.json").read_bytes()
    assert base64.b64encode(secret) not in on_disk and secret not in on_disk


def _old_layout(paths: StatePaths, monkeypatch: pytest.MonkeyPatch) -> dict[str, object]:
    """A state directory as the previous version left it: a version-1 keyring, the four keys
    in plaintext files, a ledger signed under the one shared origin. What it derived."""
    monkeypatch.setattr(keyring_module, "VERSION", 1)
    keyring = Keyring.in_state_dir(paths.root)
    keyring.reload()  # writes the empty version-1 keyring
    monkeypatch.undo()
    psn = load_or_create_secret(paths.legacy_pseudonym_key)
    ref = load_or_create_secret(paths.legacy_ledger_hmac)
    consent = load_or_create_ed25519(paths.legacy_consent_key)
    signing = load_or_create_ed25519(paths.legacy_ledger_key)
    ledger = Ledger(paths.ledger, NoteSigner(LEGACY_ORIGIN, signing))
    try:
        for number in ("IOE0912345678", "A201555123"):
            ledger.append_sync(link_entry(ref, "LINKED", pseudonym(psn, "ana"), "immigration",
                                          number))
        vkey = ledger.verifier_key()
    finally:
        ledger.close()
    return {"psn": psn, "ref": ref, "consent": _raw(consent), "vkey": vkey}


def test_an_old_layout_is_migrated_without_changing_a_key(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch
                                                          ) -> None:
    paths = StatePaths(tmp_path / "state")
    old = _old_layout(paths, monkeypatch)
    header = json.loads((paths.root / "keys" / "keyring.json").read_text())["header"]
    assert header["version"] == 1 and len(_plaintext_keys(paths)) == 4

    store, vault = open_state(paths)
    ledger = open_ledger(paths, vault.keyring)
    try:
        assert pseudonym_key(paths, vault.keyring) == old["psn"]
        assert ledger_reference_key(paths, vault.keyring) == old["ref"]
        assert _raw(consent_key(paths, vault.keyring)) == old["consent"]
        # Its checkpoints were signed under the shared origin: it keeps that origin and key,
        # and its whole history still verifies with the key auditors already hold.
        assert ledger.origin == LEGACY_ORIGIN and ledger.verifier_key() == old["vkey"]
        lines = [line.decode() for line in ledger.export()]
        result = verify_export(lines, pinned_vkey=str(old["vkey"]))
        assert result.ok and result.entries == 2, result.message
    finally:
        ledger.close()
        store.close()
    assert _plaintext_keys(paths) == []
    assert not paths.install_id.exists()
    store, vault = open_state(paths)
    store.close()
    listed = {s["name"]: s["imported_from"] for s in vault.status()["keyring"]["secrets"]}
    assert listed == {"pseudonym": str(paths.legacy_pseudonym_key),
                      "ledger-references": str(paths.legacy_ledger_hmac),
                      "consent-signing": str(paths.legacy_consent_key),
                      "ledger-signing": str(paths.legacy_ledger_key)}
    header = json.loads((paths.root / "keys" / "keyring.json").read_text())["header"]
    assert header["version"] == 2
    assert _identity(paths)["pseudonym"] == pseudonym(old["psn"], "ana")  # type: ignore[arg-type]


def test_a_crash_between_import_and_removal_loses_nothing(tmp_path: Path) -> None:
    paths = StatePaths(tmp_path / "state")
    keyring = Keyring.in_state_dir(paths.root)
    held = pseudonym_key(paths, keyring)
    # As if the process died after writing the keyring but before removing the file.
    paths.legacy_pseudonym_key.write_bytes(held)
    assert pseudonym_key(paths, Keyring.in_state_dir(paths.root)) == held
    assert not paths.legacy_pseudonym_key.exists()
    # A file holding a different key is not silently dropped or preferred.
    paths.legacy_pseudonym_key.write_bytes(bytes(32))
    with pytest.raises(KeyringError, match="different one"):
        pseudonym_key(paths, Keyring.in_state_dir(paths.root))
    assert paths.legacy_pseudonym_key.read_bytes() == bytes(32)


def test_the_keys_share_the_keyrings_passphrase(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    paths = StatePaths(tmp_path / "state")
    monkeypatch.setenv(ENV_PASSPHRASE, "correct horse battery staple")
    held = pseudonym_key(paths, Keyring.in_state_dir(paths.root))
    assert not (paths.root / "keys" / "keyring.key").exists()
    monkeypatch.setenv(ENV_PASSPHRASE, "wrong")
    with pytest.raises(KeyringError, match="passphrase"):
        pseudonym_key(paths, Keyring.in_state_dir(paths.root))
    monkeypatch.setenv(ENV_PASSPHRASE, "correct horse battery staple")
    assert pseudonym_key(paths, Keyring.in_state_dir(paths.root)) == held


_OPENER = """
import sys
from pathlib import Path
from aggregator.bootstrap import (consent_key, ledger_reference_key, open_ledger, pseudonym_key)
from aggregator.state import StatePaths
from aggregator.vault.key_files import key_id_of
from aggregator.vault import Keyring
paths = StatePaths(Path(sys.argv[1]))
keyring = Keyring.in_state_dir(paths.root)
ledger = open_ledger(paths, keyring)
print(pseudonym_key(paths, keyring).hex(), ledger.verifier_key(),
      ledger_reference_key(paths, keyring).hex(),
      key_id_of(consent_key(paths, keyring).public_key()))
ledger.close()
"""


@pytest.mark.parametrize("layout", ["fresh", "old"])
def test_processes_opening_one_state_directory_at_once_agree_on_every_key(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, layout: str) -> None:
    paths = StatePaths(tmp_path / "state")
    old = _old_layout(paths, monkeypatch) if layout == "old" else None
    openers = [subprocess.Popen([sys.executable, "-c", _OPENER, str(paths.root)], cwd=ROOT,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for _ in range(4)]
    outputs = []
    for opener in openers:
        out, err = opener.communicate(timeout=120)
        assert opener.returncode == 0, err
        outputs.append(out.split())
    assert all(output == outputs[0] for output in outputs), outputs
    if old is not None:
        assert outputs[0][:3] == [old["psn"].hex(), old["vkey"],  # type: ignore[union-attr]
                                  old["ref"].hex()]  # type: ignore[union-attr]
    assert _plaintext_keys(paths) == []
