"""The state directory's layout: the file names existing installations already have on disk."""

from __future__ import annotations

from pathlib import Path

from aggregator.state import StatePaths
from aggregator.vault import Keyring

ROOT = Path("/srv/caseline")


def test_every_file_keeps_the_name_existing_state_directories_use() -> None:
    """Renaming any of these would orphan an installation's data: the names are fixed."""
    paths = StatePaths(ROOT)
    assert {name: str(getattr(paths, name).relative_to(ROOT)) for name in (
        "database", "ledger", "install_id", "keys", "keyring", "jwks", "tls",
        "legacy_consent_key", "legacy_pseudonym_key", "legacy_ledger_key",
        "legacy_ledger_hmac")} == {
        "database": "aggregator.sqlite3", "ledger": "ledger.sqlite3",
        "install_id": "install-id", "keys": "keys", "keyring": "keys/keyring.json",
        "jwks": "keys/consent-jwks.json", "tls": "tls",
        "legacy_consent_key": "keys/consent-signing.pem",
        "legacy_pseudonym_key": "keys/pseudonym.key",
        "legacy_ledger_key": "keys/ledger-signing.pem",
        "legacy_ledger_hmac": "keys/ledger-references.key"}


def test_the_keyring_of_a_state_directory_is_where_the_layout_says() -> None:
    """Keyring.in_state_dir reads the layout rather than spelling the path again."""
    assert Keyring.in_state_dir(ROOT).path == StatePaths(ROOT).keyring
