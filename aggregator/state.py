"""The state directory's layout: where each file the aggregator keeps lives under its root.

The one place file names under a state directory are spelled; the demo's own files
(deploy.demo.state.DemoState) extend this layout rather than repeat it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = ["StatePaths"]


@dataclass(frozen=True)
class StatePaths:
    """Where the aggregator keeps its files inside the state directory ``root``."""

    root: Path

    @property
    def database(self) -> Path:
        """The aggregator's store (and the vault's subject keys), unless a URL says otherwise."""
        return self.root / "aggregator.sqlite3"

    @property
    def ledger(self) -> Path:
        """The ledger file."""
        return self.root / "ledger.sqlite3"

    @property
    def install_id(self) -> Path:
        """This installation's id, part of the ledger's origin."""
        return self.root / "install-id"

    @property
    def keys(self) -> Path:
        """The directory of key files."""
        return self.root / "keys"

    @property
    def keyring(self) -> Path:
        """The keyring (aggregator.vault.keyring)."""
        return self.keys / "keyring.json"

    @property
    def jwks(self) -> Path:
        """The public keys adapters verify consent tokens with and seal to."""
        return self.keys / "consent-jwks.json"

    @property
    def tls(self) -> Path:
        """The demo CA's directory: its certificate, the adapters' and the gateway's."""
        return self.root / "tls"

    # Where older versions kept these keys in plaintext; now they live in the keyring, and a
    # file found here is imported into it (then removed) on first open.
    @property
    def legacy_consent_key(self) -> Path:
        """The consent-signing key file of older versions."""
        return self.keys / "consent-signing.pem"

    @property
    def legacy_pseudonym_key(self) -> Path:
        """The pseudonym key file of older versions."""
        return self.keys / "pseudonym.key"

    @property
    def legacy_ledger_key(self) -> Path:
        """The ledger-signing key file of older versions."""
        return self.keys / "ledger-signing.pem"

    @property
    def legacy_ledger_hmac(self) -> Path:
        """The ledger-references key file of older versions."""
        return self.keys / "ledger-references.key"
