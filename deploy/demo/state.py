"""The demo's state directory: the aggregator's layout (aggregator.state) plus the demo's own
files."""

from __future__ import annotations

import json
import os
import stat
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from aggregator.files import replace_file
from aggregator.state import StatePaths

__all__ = ["DemoState", "default_state_dir"]


def default_state_dir() -> Path:
    """``$CASELINE_STATE_DIR``, else ``~/.caseline``."""
    override = os.environ.get("CASELINE_STATE_DIR")
    return Path(override).expanduser() if override else Path.home() / ".caseline"


@dataclass(frozen=True)
class DemoState(StatePaths):
    """Paths inside a demo state directory: the aggregator's, and the demo's stores, logs,
    sign-in key and manifest."""

    def store(self, agency_id: str) -> Path:
        """The agency's demo store (its system of record)."""
        return self.root / "stores" / f"{agency_id}.sqlite3"

    def log(self, name: str) -> Path:
        """A process's log file."""
        return self.logs / f"{name}.log"

    @property
    def logs(self) -> Path:
        """The directory of the demo processes' logs."""
        return self.root / "logs"

    @property
    def issuer_key(self) -> Path:
        """The demo sign-in issuer's private key."""
        return self.keys / "demo-issuer.pem"

    @property
    def session_secret(self) -> Path:
        """The secret signing the pages' session cookie, shared by every gateway process."""
        return self.keys / "session-secret"

    @property
    def oidc_client_secret(self) -> Path:
        """The pages' client secret at the demo sign-in provider."""
        return self.keys / "demo-oidc-client-secret"

    @property
    def oidc_codes(self) -> Path:
        """The demo sign-in provider's pending authorization codes."""
        return self.root / "demo-oidc-codes.sqlite3"

    @property
    def mail(self) -> Path:
        """Where the demo's SMTP sink writes each e-mail it receives (deploy/demo/mail.py)."""
        return self.root / "mail"

    @property
    def mail_sink(self) -> Path:
        """The running mail sink's address, for processes that send to it."""
        return self.root / "mail-sink.json"

    @property
    def seeding_lock(self) -> Path:
        """Held while one process seeds the demo data (others wait for it)."""
        return self.root / ".seeding.lock"

    @property
    def manifest(self) -> Path:
        """What seeding produced (anchor date, seed, sample numbers)."""
        return self.root / "demo.json"

    def read_manifest(self) -> dict[str, Any] | None:
        """The manifest, or None before the first seeding finished. One left readable by
        others (by an older Caseline) is made private first: it holds access codes."""
        try:
            if stat.S_IMODE(self.manifest.stat().st_mode) & 0o077:
                os.chmod(self.manifest, 0o600)
            data: dict[str, Any] = json.loads(self.manifest.read_text())
        except FileNotFoundError:
            return None
        return data

    def write_manifest(self, data: dict[str, Any]) -> None:
        """Written last, so a seeding interrupted half-way is redone next time."""
        # It holds every persona's access codes: private, like every state file.
        replace_file(self.manifest, json.dumps(data, indent=2).encode())

    def today(self) -> date:
        """The date the demo data was generated against."""
        manifest = self.read_manifest()
        if manifest is None:
            raise FileNotFoundError(f"no demo data in {self.root}; run 'caseline demo' first")
        return date.fromisoformat(manifest["today"])
