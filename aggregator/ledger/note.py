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
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

__all__ = ["Checkpoint", "NoteError", "NoteSigner", "NoteVerifier"]

_ED25519 = b"\x01"
_DASH = "\u2014 "
MAX_NOTE_BYTES = 1 << 20


class NoteError(ValueError):
    """A note or key that is malformed, or a signature that does not verify."""


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """A tree head: origin, size, root hash, and when it was signed."""

    origin: str
    size: int
    root: bytes
    signed_at: int | None = None
    extensions: tuple[str, ...] = ()

    def body(self) -> bytes:
        """The checkpoint's text, the signed part of the note."""
        lines = [self.origin, str(self.size), base64.b64encode(self.root).decode()]
        if self.signed_at is not None:
            lines.append(f"time {self.signed_at}")
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
        if not origin:
            raise NoteError("checkpoint origin is empty")
        if not size_text.isdigit() or (size_text != "0" and size_text.startswith("0")):
            raise NoteError(f"checkpoint size {size_text!r} is not a decimal number")
        try:
            root = base64.b64decode(root_text, validate=True)
        except binascii.Error as exc:
            raise NoteError("checkpoint root hash is not base64") from exc
        if len(root) != 32:
            raise NoteError(f"checkpoint root hash has {len(root)} bytes, expected 32")
        signed_at = None
        extensions = []
        for line in rest:
            if not line:
                raise NoteError("checkpoint has an empty extension line")
            if line.startswith("time ") and signed_at is None and line[5:].isdigit():
                signed_at = int(line[5:])
            else:
                extensions.append(line)
        return cls(origin, int(size_text), root, signed_at, tuple(extensions))


def _key_hash(name: str, public: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + _ED25519 + public).digest()[:4]


def _check_name(name: str) -> None:
    if not name or any(c.isspace() for c in name) or "+" in name:
        raise NoteError(f"key name {name!r} must be non-empty without spaces or '+'")


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
        body = checkpoint.body()
        signature = base64.b64encode(self._hash + self._key.sign(body)).decode()
        return body.decode() + "\n" + f"{_DASH}{self.name} {signature}\n"

    def verifier_key(self) -> str:
        """``name+hash+key``, what verifiers are configured with."""
        return (f"{self.name}+{self._hash.hex()}+"
                f"{base64.b64encode(_ED25519 + self._public).decode()}")


class NoteVerifier:
    """Opens notes signed by one key."""

    def __init__(self, name: str, public_key: bytes) -> None:
        _check_name(name)
        self.name = name
        self._hash = _key_hash(name, public_key)
        self._key = Ed25519PublicKey.from_public_bytes(public_key)

    @classmethod
    def from_vkey(cls, vkey: str) -> NoteVerifier:
        """A verifier from ``name+hash+base64(0x01 || key)``."""
        parts = vkey.strip().split("+", 2)  # base64 may itself contain "+"
        if len(parts) != 3:
            raise NoteError("verifier key must look like name+8 hex digits+base64 key")
        name, hash_hex, key_b64 = parts
        try:
            raw = base64.b64decode(key_b64, validate=True)
            expected = bytes.fromhex(hash_hex)
        except (binascii.Error, ValueError) as exc:
            raise NoteError("verifier key hash or key is not hex/base64") from exc
        if len(raw) != 33 or raw[:1] != _ED25519:
            raise NoteError("verifier key is not an Ed25519 key (algorithm byte 0x01)")
        verifier = cls(name, raw[1:])
        if len(expected) != 4 or verifier._hash != expected:
            raise NoteError("verifier key hash does not match its name and key")
        return verifier

    def open(self, note: str) -> Checkpoint:
        """The checkpoint in ``note`` if this key signed it; NoteError otherwise."""
        if len(note.encode()) > MAX_NOTE_BYTES:
            raise NoteError("note is larger than 1 MB")
        body, sep, signatures = note.rpartition("\n\n")
        if not sep or not signatures.endswith("\n"):
            raise NoteError("note must be a body, a blank line and signature lines")
        body_bytes = (body + "\n").encode()
        for line in signatures[:-1].split("\n"):
            if not line.startswith(_DASH):
                raise NoteError(f"malformed signature line {line[:40]!r}")
            name, _, encoded = line[len(_DASH):].rpartition(" ")
            if name != self.name:
                continue  # other signers (e.g. witnesses) are ignored, as the spec says
            try:
                raw = base64.b64decode(encoded, validate=True)
            except binascii.Error as exc:
                raise NoteError("signature is not base64") from exc
            if len(raw) != 68 or raw[:4] != self._hash:
                continue
            try:
                self._key.verify(raw[4:], body_bytes)
            except InvalidSignature as exc:
                raise NoteError(f"the signature by {self.name} does not verify") from exc
            return Checkpoint.parse_body(body_bytes)
        raise NoteError(f"the note has no signature by {self.name}")
