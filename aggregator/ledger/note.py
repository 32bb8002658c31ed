"""Signed checkpoints as C2SP signed notes (signed-note.md, tlog-checkpoint.md).

A checkpoint body is ``origin``, tree size and base64 root hash, one per line, then optional
extension lines; we add ``time <unix seconds>`` so the signing time is signed too. The note is
the body, a blank line and signature lines ``— <name> <base64(key hash || signature)>``.
Standard tools (golang.org/x/mod/sumdb/note, witnesses) read them with the verifier key
``<name>+<key hash hex>+<base64(0x01 || Ed25519 public key)>``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from aggregator.ledger.errors import NoteError

__all__ = ["MAX_NOTE_BYTES", "Checkpoint", "NoteSigner", "NoteVerifier"]

_ED25519 = b"\x01"
_DASH = "\u2014 "
MAX_NOTE_BYTES = 1 << 20
# golang.org/x/mod/sumdb/note gives up after 100 signatures; so do we.
_MAX_SIGNATURES = 100
_MAX_SIZE = (1 << 64) - 1
_DECIMAL = re.compile(r"0|[1-9][0-9]*")
_HEX8 = re.compile(r"[0-9a-fA-F]{8}")
# Notes are UTF-8 without ASCII control characters other than newline.
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f]")
_TIME = "time "


def _b64decode(text: str, what: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:  # ValueError: non-ASCII characters
        raise NoteError(f"{what} is not standard base64") from exc


def _check_line(line: str, what: str) -> None:
    if not line:
        raise NoteError(f"checkpoint {what} is empty")
    if "\n" in line or _CONTROL.search(line):
        raise NoteError(f"checkpoint {what} {line[:40]!r} holds a newline or control character")
    try:
        line.encode()
    except UnicodeEncodeError as exc:
        raise NoteError(f"checkpoint {what} {line[:40]!r} is not valid Unicode") from exc


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """A tree head: origin, size, root hash, when it was signed and other extension lines.

    ``body()`` and ``parse_body()`` are exact inverses: a ``time`` line, when present, is the
    first extension line, so no two checkpoints share a body.
    """

    origin: str
    size: int
    root: bytes
    signed_at: int | None = None
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _check_line(self.origin, "origin")
        if isinstance(self.size, bool) or not isinstance(self.size, int) or \
                not 0 <= self.size <= _MAX_SIZE:
            raise NoteError(f"checkpoint size must be an integer in 0..2^64-1, got "
                            f"{self.size!r}")
        if not isinstance(self.root, bytes) or len(self.root) != 32:
            raise NoteError(f"checkpoint root hash must be 32 bytes, got {self.root!r:.60}")
        if self.signed_at is not None and (
                isinstance(self.signed_at, bool) or not isinstance(self.signed_at, int)
                or self.signed_at < 0):
            raise NoteError(f"checkpoint time must be a non-negative integer, got "
                            f"{self.signed_at!r}")
        for line in self.extensions:
            _check_line(line, "extension line")
        if self.signed_at is None and self.extensions and \
                self.extensions[0].startswith(_TIME):
            raise NoteError("a first extension line starting with 'time ' would read back as "
                            "the signing time; set signed_at instead")

    def body(self) -> bytes:
        """The checkpoint's text, the signed part of the note."""
        lines = [self.origin, str(self.size), base64.b64encode(self.root).decode()]
        if self.signed_at is not None:
            lines.append(f"{_TIME}{self.signed_at}")
        lines.extend(self.extensions)
        return ("\n".join(lines) + "\n").encode()

    @classmethod
    def parse_body(cls, body: bytes) -> Checkpoint:
        """A checkpoint from its text; NoteError if malformed."""
        try:
            text = body.decode()
        except UnicodeDecodeError as exc:
            raise NoteError("checkpoint is not UTF-8") from exc
        if not text.endswith("\n"):
            raise NoteError("checkpoint must end with a newline")
        lines = text[:-1].split("\n")
        if len(lines) < 3:
            raise NoteError("checkpoint needs origin, size and root hash lines")
        origin, size_text, root_text, *rest = lines
        if not _DECIMAL.fullmatch(size_text):
            raise NoteError(f"checkpoint size {size_text[:40]!r} is not a decimal number "
                            "without leading zeros")
        root = _b64decode(root_text, "checkpoint root hash")
        if len(root) != 32:
            raise NoteError(f"checkpoint root hash has {len(root)} bytes, expected 32")
        if base64.b64encode(root).decode() != root_text:
            raise NoteError("checkpoint root hash is not in canonical base64")
        signed_at = None
        if rest and rest[0].startswith(_TIME):
            time_text = rest.pop(0)[len(_TIME):]
            if not _DECIMAL.fullmatch(time_text):
                raise NoteError(f"checkpoint time {time_text[:40]!r} is not a decimal number "
                                "without leading zeros")
            signed_at = int(time_text)
        return cls(origin, int(size_text), root, signed_at, tuple(rest))


def _key_hash(name: str, public: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + _ED25519 + public).digest()[:4]


def _valid_name(name: str) -> bool:
    return bool(name) and not any(c.isspace() for c in name) and "+" not in name


def _check_name(name: str) -> None:
    if not _valid_name(name):
        raise NoteError(f"key name {name!r} must be non-empty without spaces or '+'")


def _check_text(text: str) -> bytes:
    """The UTF-8 bytes of a note or note text within the size limit; NoteError otherwise."""
    if len(text) > MAX_NOTE_BYTES:
        raise NoteError(f"note is larger than {MAX_NOTE_BYTES} bytes")
    try:
        data = text.encode()
    except UnicodeEncodeError as exc:
        raise NoteError("note is not valid Unicode (lone surrogates)") from exc
    if len(data) > MAX_NOTE_BYTES:
        raise NoteError(f"note is larger than {MAX_NOTE_BYTES} bytes")
    control = _CONTROL.search(text)
    if control:
        raise NoteError(f"note holds a control character (U+{ord(control.group()):04X}) at "
                        f"offset {control.start()}")
    return data


class NoteSigner:
    """Signs checkpoints with an Ed25519 key under a key name (the log's origin)."""

    def __init__(self, name: str, private_key: Ed25519PrivateKey) -> None:
        _check_name(name)
        self.name = name
        self._key = private_key
        self._public = private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        self._hash = _key_hash(name, self._public)

    def sign(self, checkpoint: Checkpoint) -> str:
        """The whole signed note for ``checkpoint``."""
        return self.sign_text(checkpoint.body().decode())

    def sign_text(self, text: str) -> str:
        """A signed note for any note text (non-empty, ending in a newline)."""
        if not text.endswith("\n"):
            raise NoteError("note text must be non-empty and end with a newline")
        data = _check_text(text)
        signature = base64.b64encode(self._hash + self._key.sign(data)).decode()
        return f"{text}\n{_DASH}{self.name} {signature}\n"

    def verifier_key(self) -> str:
        """``name+hash+key``, what verifiers are configured with."""
        return (f"{self.name}+{self._hash.hex()}+"
                f"{base64.b64encode(_ED25519 + self._public).decode()}")


class NoteVerifier:
    """Opens notes signed by one key; signatures by other keys are ignored."""

    def __init__(self, name: str, public_key: bytes) -> None:
        _check_name(name)
        if len(public_key) != 32:
            raise NoteError(f"an Ed25519 public key has 32 bytes, got {len(public_key)}")
        self.name = name
        self._hash = _key_hash(name, public_key)
        self._raw = bytes(public_key)
        self._key = Ed25519PublicKey.from_public_bytes(public_key)

    def same_key(self, other: NoteVerifier) -> bool:
        """Whether ``other`` holds the same public key (whatever its name)."""
        return self._raw == other._raw

    @property
    def key_hash(self) -> str:
        """The key hash as 8 hex digits, as in the verifier key."""
        return self._hash.hex()

    @classmethod
    def from_vkey(cls, vkey: str) -> NoteVerifier:
        """A verifier from ``name+hash+base64(0x01 || key)`` (surrounding whitespace is
        ignored, so a key read from a file works)."""
        name, _, rest = vkey.strip().partition("+")
        hash_hex, plus, key_b64 = rest.partition("+")  # the base64 may itself hold "+"
        if not plus or not _valid_name(name) or not _HEX8.fullmatch(hash_hex) or not key_b64:
            raise NoteError("malformed verifier key: expected <name>+<8 hex digits>+<base64 "
                            "key>, with a name without spaces or '+'")
        raw = _b64decode(key_b64, "verifier key's key part")
        if raw[:1] != _ED25519:
            raise NoteError(f"verifier key has algorithm byte {raw[:1].hex() or 'none'}, only "
                            "01 (Ed25519) is supported")
        if len(raw) != 33:
            raise NoteError(f"verifier key holds {len(raw) - 1} key bytes, Ed25519 needs 32")
        verifier = cls(name, raw[1:])
        if verifier._hash != bytes.fromhex(hash_hex):
            raise NoteError(f"verifier key hash {hash_hex} does not match its name and key "
                            f"(expected {verifier._hash.hex()})")
        return verifier

    def open(self, note: str) -> Checkpoint:
        """The checkpoint in ``note`` if this key signed it; NoteError otherwise."""
        return Checkpoint.parse_body(self.open_text(note).encode())

    def open_text(self, note: str) -> str:
        """The text of ``note`` (ending in a newline) if this key signed it; NoteError
        otherwise. Signatures by other keys are ignored, but must be well formed."""
        _check_text(note)
        split = note.rfind("\n\n")
        if split < 0:
            raise NoteError("malformed note: no blank line before the signatures")
        text, block = note[:split + 1], note[split + 2:]
        if not block.endswith("\n"):
            raise NoteError("malformed note: signature lines must follow the blank line and "
                            "end with a newline")
        lines = block[:-1].split("\n")
        if len(lines) > _MAX_SIGNATURES:
            raise NoteError(f"note has more than {_MAX_SIGNATURES} signatures")
        ours: bytes | None = None
        same_name = False
        for line in lines:
            if not line.startswith(_DASH):
                raise NoteError(f"malformed signature line {line[:40]!r}: it must start with "
                                "an em dash and a space")
            name, _, encoded = line[len(_DASH):].partition(" ")
            if not _valid_name(name) or not encoded:
                raise NoteError(f"malformed signature line {line[:40]!r}")
            raw = _b64decode(encoded, f"signature by {name}")
            if len(raw) < 5:
                raise NoteError(f"signature by {name} is too short")
            if name != self.name:
                continue  # other signers (e.g. witnesses) are ignored, as the spec says
            same_name = True
            if raw[:4] == self._hash and ours is None:
                # Repeated signatures by one key: the first counts, as in Go. Ours must be
                # spelled canonically, so that no byte of a note can change unnoticed.
                if base64.b64encode(raw).decode() != encoded:
                    raise NoteError(f"signature by {name} is not in canonical base64")
                ours = raw[4:]
        if ours is None:
            other = " (only by another key with the same name)" if same_name else ""
            raise NoteError(f"the note has no signature by {self.name}+{self._hash.hex()}"
                            f"{other}")
        try:
            self._key.verify(ours, text.encode())
        except InvalidSignature as exc:
            raise NoteError(f"the signature by {self.name}+{self._hash.hex()} does not verify "
                            "(the note was altered or signed by someone else)") from exc
        return text
