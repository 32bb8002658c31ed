"""Ledger verifier keys an auditor trusts, one per origin, pinned on first use.

The file (``$XDG_CONFIG_HOME/caseline/known-ledgers``, else ``~/.config/caseline/known-ledgers``)
holds one C2SP signed-note verifier key per line, ``<origin>+<key hash>+<base64 key>``, the
form ``/ledger/key`` serves and ``--key`` takes; ``#`` starts a comment. Once an origin is
known, any other key for it is refused: a forgery, or a key change the auditor must confirm
with the operator (and then remove the old line by hand).
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from aggregator.ledger.errors import NoteError
from aggregator.ledger.note import NoteVerifier

__all__ = ["MAX_FILE_BYTES", "KeyMismatch", "KnownLedgersError", "Trust", "decide",
           "default_path", "pin", "read_pins"]

MAX_FILE_BYTES = 1 << 20


class KnownLedgersError(ValueError):
    """The known-ledgers file or a key is unusable; the message says what and where."""


class KeyMismatch(KnownLedgersError):
    """A known origin presented another key than the pinned one."""


@dataclass(frozen=True, slots=True)
class Trust:
    """The key to verify with, and whether it is to be pinned now (first use)."""

    vkey: str
    origin: str
    key_id: str
    pin_now: bool
    first_use: bool  # pinned from what the server presented, not from --key


def default_path(environ: Mapping[str, str] | None = None) -> Path:
    """Where the known ledgers live by default (the XDG configuration directory)."""
    env = os.environ if environ is None else environ
    base = env.get("XDG_CONFIG_HOME", "")
    # The XDG spec says a relative value is invalid and is to be ignored.
    root = Path(base) if base and Path(base).is_absolute() else Path.home() / ".config"
    return root / "caseline" / "known-ledgers"


def _verifier(vkey: str, what: str) -> NoteVerifier:
    try:
        return NoteVerifier.from_vkey(vkey)
    except NoteError as exc:
        raise KnownLedgersError(f"{what}: {exc}") from exc


def _parse(text: str, path: Path) -> dict[str, str]:
    pins: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        verifier = _verifier(line, f"{path} line {number}")
        if verifier.name in pins and pins[verifier.name] != line:
            raise KnownLedgersError(f"{path} line {number} pins a second key for "
                                    f"{verifier.name}; keep one line per origin")
        pins[verifier.name] = line
    return pins


def read_pins(path: Path) -> dict[str, str]:
    """Origin → pinned verifier key; empty when the file does not exist yet."""
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        return {}
    if len(raw) > MAX_FILE_BYTES:
        raise KnownLedgersError(f"{path} is larger than {MAX_FILE_BYTES} bytes; it should hold "
                                "one verifier key per line")
    try:
        text = raw.decode()
    except UnicodeDecodeError as exc:
        raise KnownLedgersError(f"{path} is not UTF-8 text") from exc
    return _parse(text, path)


def decide(presented: str | None, given: str | None, pins: Mapping[str, str]) -> Trust:
    """The key to trust for a ledger that presents ``presented`` (what its server or export
    claims; only needed without ``given``), given ``--key`` (or None) and the pins;
    KeyMismatch when the origin is pinned to another key."""
    if given is not None:
        chosen = _verifier(given, "--key")
    elif presented is not None:
        chosen = _verifier(presented, "the ledger's verifier key")
    else:
        raise KnownLedgersError("no verifier key: pass --key")
    pinned = pins.get(chosen.name)
    if pinned is not None:
        known = _verifier(pinned, f"the pinned key for {chosen.name}")
        if not known.same_key(chosen):
            source = "--key gives" if given is not None else "the ledger presents"
            raise KeyMismatch(
                f"KEY MISMATCH for ledger {chosen.name}: pinned key id {known.key_hash}, but "
                f"{source} key id {chosen.key_hash}. This is a forgery, or the operator "
                f"changed the ledger's key; confirm with the operator before removing the "
                f"pinned line")
    vkey = given if given is not None else presented
    assert vkey is not None
    return Trust(vkey.strip(), chosen.name, chosen.key_hash, pin_now=pinned is None,
                 first_use=given is None)


def pin(path: Path, vkey: str) -> None:
    """Add ``vkey`` to the file (created 0600, its directory 0700) unless its origin is
    already there; KeyMismatch if another key was pinned for it meanwhile."""
    verifier = _verifier(vkey, "the key to pin")
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        # Two audits pinning at once must not write two keys for one origin.
        fcntl.flock(fd, fcntl.LOCK_EX)
        pins = read_pins(path)
        known = pins.get(verifier.name)
        if known is not None:
            decide(vkey, None, pins)  # raises on another key
            return
        size = os.fstat(fd).st_size
        prefix = b""
        if size:
            os.lseek(fd, size - 1, os.SEEK_SET)
            prefix = b"" if os.read(fd, 1) == b"\n" else b"\n"
        os.write(fd, prefix + vkey.strip().encode() + b"\n")
        os.fsync(fd)
    finally:
        os.close(fd)
