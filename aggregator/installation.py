"""This installation's identity: the install id, and the ledger origin made from it.

C2SP checkpoints name their log by an origin line, and auditors pin one verifier key per
origin. Were every installation to share one origin, a second honest demo would look exactly
like a forgery of the first; so each state directory gets a random install id, created once
and kept in ``install-id``, and signs as ``caseline.localhost/ledger/<install id>``.

A state directory whose ledger predates install ids keeps the origin its checkpoints were
signed under (``caseline.localhost/ledger``): re-signing them under a new origin would be
indistinguishable from rewriting history. Its auditors tell it apart from other legacy
installations by pinning its key with ``--key``.
"""

from __future__ import annotations

import re
import secrets
from pathlib import Path

from aggregator.files import create_once

__all__ = ["LEGACY_ORIGIN", "ORIGIN_PREFIX", "InstallationError", "install_id",
           "ledger_origin"]

LEGACY_ORIGIN = "caseline.localhost/ledger"
ORIGIN_PREFIX = LEGACY_ORIGIN + "/"
_INSTALL_ID = re.compile(r"[0-9a-z]{8,64}")
_MAX_FILE = 256


class InstallationError(ValueError):
    """The install-id file holds something other than an install id."""


def _read(path: Path) -> str | None:
    try:
        with path.open("rb") as handle:
            raw = handle.read(_MAX_FILE + 1)
    except FileNotFoundError:
        return None
    text = raw.decode("ascii", "replace").strip()
    if len(raw) > _MAX_FILE or not _INSTALL_ID.fullmatch(text):
        raise InstallationError(f"{path} must hold this installation's id (8 to 64 lower-case "
                                f"letters and digits); it holds {text[:40]!r}")
    return text


def install_id(path: Path) -> str:
    """The install id kept at ``path``, created on first use (the first of several processes
    starting together wins; the others read its id)."""
    held = _read(path)
    if held is not None:
        return held
    created = create_once(path, (secrets.token_hex(8) + "\n").encode())
    return created.decode("ascii").strip()


def ledger_origin(install_id_file: Path, ledger_file: Path) -> str:
    """The origin this installation's ledger signs under.

    The ledger file is looked at before the install id: a new installation creates its id
    before its ledger, so a ledger without an id beside it predates install ids.
    """
    ledger_existed = ledger_file.exists()
    held = _read(install_id_file)
    if held is not None:
        return ORIGIN_PREFIX + held
    if ledger_existed:
        return LEGACY_ORIGIN
    return ORIGIN_PREFIX + install_id(install_id_file)
