"""Issue 12 item 18: `caseline audit verify` never trusts the key inside what it verifies.

A real `caseline gateway serve` serves a ledger with entries; the audits run as real
`caseline audit verify` processes, pinning into a known-ledgers file in a temporary directory.
"""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from aggregator.bootstrap import ledger_reference_key, open_ledger, open_state
from aggregator.installation import ORIGIN_PREFIX
from aggregator.ledger.entries import link_entry
from aggregator.ledger.merkle import CompactRange, leaf_hash
from aggregator.ledger.note import Checkpoint, NoteSigner, NoteVerifier
from aggregator.state import StatePaths
from deploy.commands.known_ledgers import default_path
from gateway.auth import DEMO_ISSUER
from support.http_gateway import gateway_process

pytestmark = pytest.mark.integration

ROOT = Path(__file__).parents[2]


@dataclass
class Served:
    """A running gateway over a ledger with a few entries, and an auditor token for it."""

    base: str
    state: Path
    token: str
    vkey: str  # what the gateway's ledger signs with, read from the state directory

    @property
    def origin(self) -> str:
        return self.vkey.split("+")[0]

    @property
    def key_id(self) -> str:
        return self.vkey.split("+")[1]


def _seed_ledger(state: Path) -> str:
    """Three link entries in the state directory's ledger; its verifier key."""
    paths = StatePaths(state)
    store, vault = open_state(paths)
    ledger = open_ledger(paths, vault.keyring)
    try:
        ref = ledger_reference_key(paths, vault.keyring)
        for number in ("IOE0912345678", "IOE0912345679", "A201555123"):
            ledger.append_sync(link_entry(ref, "LINKED", "psn_test", "immigration", number))
        return ledger.verifier_key()
    finally:
        ledger.close()
        store.close()


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    tmp = tmp_path_factory.mktemp("served")
    state = tmp / "state"
    vkey = _seed_ledger(state)
    with gateway_process(tmp, state_dir=state, jwt_issuer=DEMO_ISSUER) as gateway:
        token = gateway.issuer.issue("audrey", "auditor", "Audrey", ttl_s=600)
        yield Served(gateway.base_url, state, token, vkey)


def _run(served: Served, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "deploy.cli", "audit", *args, "--token", served.token],
        capture_output=True, text=True, cwd=ROOT, timeout=120, check=False)


def _audit(served: Served, known: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return _run(served, *args, "--known-ledgers", str(known))


def _export(served: Served, path: Path) -> list[str]:
    exported = _run(served, "export", "--url", served.base)
    assert exported.returncode == 0, exported.stderr
    path.write_text(exported.stdout)
    return exported.stdout.splitlines()


def _forge(lines: list[str], forger: NoteSigner) -> list[str]:
    """The same entries, every checkpoint re-signed by ``forger`` (same origin, new key)."""
    header = json.loads(lines[0])
    out = [json.dumps({**header, "key": forger.verifier_key()})]
    tree = CompactRange()
    for line in lines[1:]:
        record = json.loads(line)
        if record["type"] == "entry":
            tree.append(leaf_hash(base64.b64decode(record["leaf"])))
            out.append(line)
        else:
            body = record["note"].rpartition("\n\n")[0] + "\n"
            signed = Checkpoint.parse_body(body.encode())
            assert signed.root == tree.root()
            out.append(json.dumps({"type": "checkpoint", "note": forger.sign(signed)}))
    return out


def _forger(served: Served) -> NoteSigner:
    return NoteSigner(served.origin, Ed25519PrivateKey.generate())


def test_the_gateway_publishes_its_verifier_key(served: Served) -> None:
    response = httpx.get(f"{served.base}/ledger/key", timeout=10)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert response.text.strip() == served.vkey
    NoteVerifier.from_vkey(response.text)  # a well-formed C2SP verifier key
    assert served.origin.startswith(ORIGIN_PREFIX)


def test_first_use_pins_loudly_and_the_ok_line_names_the_key_id(served: Served,
                                                                tmp_path: Path) -> None:
    known = tmp_path / "config" / "known-ledgers"
    first = _audit(served, known, "verify", "--url", served.base)
    assert first.returncode == 0, first.stderr
    assert "TRUST ON FIRST USE" in first.stderr
    assert served.origin in first.stderr and served.key_id in first.stderr
    assert f"signed by {served.origin} with key id {served.key_id}" in first.stdout
    assert known.read_text().split() == [served.vkey]
    assert known.stat().st_mode & 0o077 == 0
    again = _audit(served, known, "verify", "--url", served.base)
    assert again.returncode == 0, again.stderr
    assert "TRUST ON FIRST USE" not in again.stderr
    assert f"with key id {served.key_id}" in again.stdout
    assert known.read_text().split() == [served.vkey]


def test_an_export_re_signed_with_a_fresh_key_fails_against_the_pinned_key(
        served: Served, tmp_path: Path) -> None:
    known = tmp_path / "known-ledgers"
    honest_file, forged_file = tmp_path / "honest.jsonl", tmp_path / "forged.jsonl"
    lines = _export(served, honest_file)
    forger = _forger(served)
    forged_file.write_text("\n".join(_forge(lines, forger)) + "\n")
    forged_id = forger.verifier_key().split("+")[1]

    # Nothing pinned yet: a file alone carries no key worth trusting.
    unpinned = _audit(served, known, "verify", "--file", str(forged_file))
    assert unpinned.returncode != 0
    assert "no verifier key is known" in unpinned.stderr and served.origin in unpinned.stderr
    assert not known.exists()

    assert _audit(served, known, "verify", "--url", served.base).returncode == 0  # pins
    honest = _audit(served, known, "verify", "--file", str(honest_file))
    assert honest.returncode == 0, honest.stderr
    assert f"with key id {served.key_id}" in honest.stdout

    forged = _audit(served, known, "verify", "--file", str(forged_file))
    assert forged.returncode != 0, forged.stdout
    assert "OK" not in forged.stdout
    for name in (served.origin, served.key_id, forged_id):
        assert name in forged.stderr, forged.stderr
    # Naming the honest key explicitly catches it too; the pin is unchanged.
    explicit = _audit(served, known, "verify", "--file", str(forged_file), "--key", served.vkey)
    assert explicit.returncode != 0 and forged_id in explicit.stderr
    assert known.read_text().split() == [served.vkey]


def test_a_known_origin_presenting_another_key_is_a_hard_failure(served: Served,
                                                                 tmp_path: Path) -> None:
    known = tmp_path / "known-ledgers"
    other = _forger(served).verifier_key()
    known.write_text(f"# pinned earlier\n{other}\n")
    refused = _audit(served, known, "verify", "--url", served.base)
    assert refused.returncode != 0
    assert "KEY MISMATCH" in refused.stderr
    for name in (served.origin, other.split("+")[1], served.key_id):
        assert name in refused.stderr, refused.stderr
    assert "OK" not in refused.stdout
    assert known.read_text().split()[-1] == other  # the pin is not replaced


def test_key_option_verifies_with_the_key_given(served: Served, tmp_path: Path) -> None:
    known = tmp_path / "known-ledgers"
    served_key = httpx.get(f"{served.base}/ledger/key", timeout=10).text.strip()
    given = _audit(served, known, "verify", "--url", served.base, "--key", served_key)
    assert given.returncode == 0, given.stderr
    assert f"with key id {served.key_id}" in given.stdout
    assert "TRUST ON FIRST USE" not in given.stderr  # the auditor chose this key
    assert known.read_text().split() == [served.vkey]

    wrong = _audit(served, tmp_path / "other-known", "verify", "--url", served.base, "--key",
                   _forger(served).verifier_key())
    assert wrong.returncode != 0 and "OK" not in wrong.stdout
    malformed = _audit(served, tmp_path / "other-known", "verify", "--url", served.base,
                       "--key", "not a key")
    assert malformed.returncode != 0 and "verifier key" in malformed.stderr


def test_two_fresh_state_directories_sign_under_different_stable_origins(
        tmp_path: Path) -> None:
    origins = []
    for name in ("one", "two"):
        paths = StatePaths(tmp_path / name)
        store, vault = open_state(paths)
        ledger = open_ledger(paths, vault.keyring)
        origins.append((ledger.origin, ledger.verifier_key()))
        ledger.close()
        store.close()
    (one, one_key), (two, two_key) = origins
    assert one_key != two_key
    assert one != two and one.startswith(ORIGIN_PREFIX) and two.startswith(ORIGIN_PREFIX)
    paths = StatePaths(tmp_path / "one")
    store, vault = open_state(paths)
    reopened = open_ledger(paths, vault.keyring)
    try:
        assert (reopened.origin, reopened.verifier_key()) == (one, one_key)
    finally:
        reopened.close()
        store.close()


def test_the_known_ledgers_file_follows_xdg() -> None:
    assert default_path({"XDG_CONFIG_HOME": "/srv/conf"}) == \
        Path("/srv/conf/caseline/known-ledgers")
    home = Path.home() / ".config" / "caseline" / "known-ledgers"
    assert default_path({}) == home
    assert default_path({"XDG_CONFIG_HOME": "relative/dir"}) == home  # invalid per the spec
