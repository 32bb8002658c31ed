"""The local keyring: key-encryption keys, the key custodian's private keys and the
aggregator's own long-lived secrets (ledger and consent signing keys, pseudonym and ledger
reference HMAC keys), in one file.

``keys/keyring.json`` (mode 0600) holds one JSON object::

    {"header": {"format": "caseline-keyring", "version": 1, "kdf": {...}},
     "nonce": base64, "ciphertext": base64}

The content is AES-256-GCM under a wrapping key taken, in this order, from
``CASELINE_KEYRING_KEY`` (base64 of 32 bytes), ``CASELINE_KEYRING_PASSPHRASE`` (scrypt, with the
salt in the header) or, only when neither is set, the key file ``keys/keyring.key`` (the
embedded demo default: that key lies beside the keyring, so it only protects a keyring copied
on its own). The header is the associated data, so it cannot be changed unnoticed.

Version 2 added the named secrets; version 1 files are read (and rewritten as version 2 on the
next change), so that an older Caseline refuses a newer keyring rather than dropping the secrets
it does not know when it rewrites the file. Version 3 adds the ids of destroyed KEKs (their key
material is gone; the ids remain so that unwrapping under one says it was destroyed, and so
that an id is never given again); a keyring is written as version 3 only once it holds one.

A KEK destroyed by another process must stop opening here too: :meth:`Keyring.kek` looks at
the file (one ``stat``) before answering from what it read, and re-reads it when it changed.

Two processes (the server and a CLI) may share one keyring: every change holds an ``fcntl``
lock on ``keys/keyring.lock`` and re-reads the file before changing it; writes are atomic.
"""

from __future__ import annotations

import base64
import binascii
import copy
import fcntl
import json
import os
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, TypeVar

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from aggregator.files import private_dir
from aggregator.state import StatePaths
from aggregator.vault.errors import KeyringError
from aggregator.vault.key_files import load_or_create_secret, replace_private
from caseline.v1.lib.key_wrap import custodian_key_id

__all__ = [
    "ENV_KEY",
    "ENV_PASSPHRASE",
    "CustodianEntry",
    "DestroyedKek",
    "KekEntry",
    "Keyring",
    "KeyringContent",
    "NamedSecret",
    "Protection",
]

ENV_KEY = "CASELINE_KEYRING_KEY"
ENV_PASSPHRASE = "CASELINE_KEYRING_PASSPHRASE"
FORMAT = "caseline-keyring"
VERSION = 2
DESTRUCTION_VERSION = 3  # written once the keyring records a destroyed KEK
READABLE_VERSIONS = (1, 2, 3)
KEY_BYTES = 32
NONCE_BYTES = 12
SALT_BYTES = 16
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**15, 8, 1

Protection = Literal["environment key", "passphrase", "key file"]
T = TypeVar("T")


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _unb64(text: object, what: str) -> bytes:
    if not isinstance(text, str):
        raise KeyringError(f"keyring {what} must be a base64 string")
    try:
        return base64.b64decode(text, validate=True)
    except binascii.Error as exc:
        raise KeyringError(f"keyring {what} is not valid base64") from exc


@dataclass
class KekEntry:
    """One key-encryption key (AES-256) and how many times it has wrapped."""

    id: str
    key: bytes = field(repr=False)
    created_at: datetime
    encryptions: int = 0


@dataclass(frozen=True)
class DestroyedKek:
    """A key-encryption key that was destroyed: its id and when; no key material."""

    id: str
    destroyed_at: datetime


@dataclass
class CustodianEntry:
    """One key-custodian X25519 private key (raw 32 bytes) under its RFC 7638 kid."""

    kid: str
    private: bytes = field(repr=False)
    created_at: datetime


@dataclass
class NamedSecret:
    """One of the aggregator's own secrets (raw bytes) under a fixed name.

    These are never rotated by Caseline: pseudonyms and ledger references must stay
    comparable over the ledger's whole life, and auditors pin the ledger's signing key.
    """

    name: str
    value: bytes = field(repr=False)
    created_at: datetime
    imported_from: str | None = None  # the plaintext file it was moved in from, if any


@dataclass
class KeyringContent:
    """What the keyring holds, decrypted. Mutate it only inside :meth:`Keyring.update`."""

    keks: list[KekEntry] = field(default_factory=list)
    primary_kek: str | None = None
    custodian_keys: list[CustodianEntry] = field(default_factory=list)
    primary_custodian: str | None = None
    secrets: list[NamedSecret] = field(default_factory=list)
    destroyed_keks: list[DestroyedKek] = field(default_factory=list)

    def secret(self, name: str) -> NamedSecret | None:
        """The named secret, if the keyring holds it."""
        return next((s for s in self.secrets if s.name == name), None)

    def kek(self, kek_id: str) -> KekEntry | None:
        """The KEK with this id, if the keyring holds it."""
        return next((k for k in self.keks if k.id == kek_id), None)

    def add_kek(self) -> KekEntry:
        """A new random KEK (``kek-N``, N one above the highest so far), made primary."""
        # Destroyed ids count too: an id names one key for good.
        numbers = [int(k.id.removeprefix("kek-")) for k in self.keks]
        numbers += [int(k.id.removeprefix("kek-")) for k in self.destroyed_keks]
        entry = KekEntry(f"kek-{max(numbers, default=0) + 1}", os.urandom(KEY_BYTES),
                         datetime.now(UTC))
        self.keks.append(entry)
        self.primary_kek = entry.id
        return entry

    def destroyed_kek(self, kek_id: str) -> DestroyedKek | None:
        """The record of the destroyed KEK with this id, if it was destroyed."""
        return next((k for k in self.destroyed_keks if k.id == kek_id), None)

    def destroy_kek(self, kek_id: str, at: datetime) -> DestroyedKek:
        """Drop the KEK's key material, keeping its id as destroyed; the primary KEK is
        refused (KeyringError), an unknown id too, an already destroyed one is a no-op."""
        done = self.destroyed_kek(kek_id)
        if done is not None:
            return done
        if self.kek(kek_id) is None:
            raise KeyringError(f"the keyring holds no key-encryption key {kek_id!r} to destroy")
        if kek_id == self.primary_kek:
            raise KeyringError(f"{kek_id} is the primary key-encryption key: rotate first, "
                               f"then destroy it")
        self.keks = [k for k in self.keks if k.id != kek_id]
        record = DestroyedKek(kek_id, at)
        self.destroyed_keks.append(record)
        return record

    def custodian_key(self, kid: str) -> CustodianEntry | None:
        """The custodian key with this kid, if the keyring holds it."""
        return next((c for c in self.custodian_keys if c.kid == kid), None)

    def add_custodian_key(self) -> CustodianEntry:
        """A new custodian X25519 key, made primary."""
        private = X25519PrivateKey.generate()
        raw = private.private_bytes(serialization.Encoding.Raw,
                                    serialization.PrivateFormat.Raw,
                                    serialization.NoEncryption())
        entry = CustodianEntry(custodian_key_id(private.public_key()), raw, datetime.now(UTC))
        self.custodian_keys.append(entry)
        self.primary_custodian = entry.kid
        return entry

    def to_json(self) -> dict[str, Any]:
        """The content as the JSON object that gets encrypted."""
        return {
            "keks": [{"id": k.id, "key": _b64(k.key), "created_at": k.created_at.isoformat(),
                      "encryptions": k.encryptions} for k in self.keks],
            "primary_kek": self.primary_kek,
            "custodian_keys": [{"kid": c.kid, "private": _b64(c.private),
                                "created_at": c.created_at.isoformat()}
                               for c in self.custodian_keys],
            "primary_custodian": self.primary_custodian,
            "secrets": [{"name": s.name, "value": _b64(s.value),
                         "created_at": s.created_at.isoformat(),
                         "imported_from": s.imported_from} for s in self.secrets],
            "destroyed_keks": [{"id": k.id, "destroyed_at": k.destroyed_at.isoformat()}
                               for k in self.destroyed_keks],
        }

    @classmethod
    def from_json(cls, data: Any) -> KeyringContent:
        """Inverse of :meth:`to_json`; KeyringError when the content is malformed."""
        try:
            keks = [KekEntry(str(k["id"]), _unb64(k["key"], "KEK"),
                             datetime.fromisoformat(k["created_at"]), int(k["encryptions"]))
                    for k in data["keks"]]
            custodians = [CustodianEntry(str(c["kid"]), _unb64(c["private"], "custodian key"),
                                         datetime.fromisoformat(c["created_at"]))
                          for c in data["custodian_keys"]]
            named = [NamedSecret(str(s["name"]), _unb64(s["value"], "secret"),
                                 datetime.fromisoformat(s["created_at"]),
                                 None if s.get("imported_from") is None
                                 else str(s["imported_from"]))
                     for s in data.get("secrets", [])]  # absent from version 1
            destroyed = [DestroyedKek(str(k["id"]), datetime.fromisoformat(k["destroyed_at"]))
                         for k in data.get("destroyed_keks", [])]  # absent before version 3
            content = cls(keks, data["primary_kek"], custodians, data["primary_custodian"],
                          named, destroyed)
        except (KeyError, TypeError, ValueError) as exc:
            raise KeyringError(f"the keyring's content is malformed: {exc!r}") from exc
        if {k.id for k in content.keks} & {k.id for k in content.destroyed_keks}:
            raise KeyringError("the keyring holds key material for a KEK it records as "
                               "destroyed; the keyring is inconsistent")
        if content.primary_kek is not None and content.kek(content.primary_kek) is None:
            raise KeyringError(f"the keyring's primary KEK {content.primary_kek!r} is missing")
        if (content.primary_custodian is not None
                and content.custodian_key(content.primary_custodian) is None):
            raise KeyringError("the keyring's primary custodian key is missing")
        return content


def _env_key(value: str | None) -> bytes | None:
    if value is None:
        return None
    text = value.strip().replace("-", "+").replace("_", "/")
    try:
        key = base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    except binascii.Error:
        key = b""
    if len(key) != KEY_BYTES:
        raise KeyringError(f"{ENV_KEY} must be the base64 of {KEY_BYTES} random bytes "
                           f"(e.g. `openssl rand -base64 32`); it is not")
    return key


def _fsync_dir(directory: Path) -> None:
    # os.replace is durable only once the directory entry itself is on disk.
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class Keyring:
    """The keyring file; :meth:`content` reads it (created empty on first use), :meth:`update`
    changes it under the cross-process lock."""

    def __init__(self, path: Path, *, key_file: Path | None = None,
                 environ: Mapping[str, str] | None = None) -> None:
        env = os.environ if environ is None else environ
        self.path = path
        self.key_file = key_file or path.with_name("keyring.key")
        self._lock_path = path.with_name(path.stem + ".lock")
        self._env_key = _env_key(env.get(ENV_KEY))
        passphrase = env.get(ENV_PASSPHRASE)
        if self._env_key is None and passphrase is not None and not passphrase:
            raise KeyringError(f"{ENV_PASSPHRASE} is set but empty; set a passphrase or unset it")
        self._passphrase = passphrase if self._env_key is None else None
        self._file_key: bytes | None = None
        self._salt: bytes | None = None
        self._derived: dict[tuple[bytes, int, int, int], bytes] = {}
        self._cache: KeyringContent | None = None
        self._stamp: tuple[int, ...] | None = None  # the file as last read or written
        self._thread_lock = threading.RLock()

    @classmethod
    def in_state_dir(cls, state_dir: Path, *,
                     environ: Mapping[str, str] | None = None) -> Keyring:
        """The keyring at ``state_dir/keys/keyring.json``."""
        return cls(StatePaths(state_dir).keyring, environ=environ)

    @property
    def protection(self) -> Protection:
        """What protects the keyring: "environment key", "passphrase" or "key file" (the
        demo default, which only protects a keyring copied without its key file)."""
        if self._env_key is not None:
            return "environment key"
        return "passphrase" if self._passphrase is not None else "key file"

    def content(self) -> KeyringContent:
        """A copy of the keyring's content as last read (read now on first use)."""
        with self._thread_lock:
            if self._cache is None:
                return self.reload()
            return copy.deepcopy(self._cache)

    def kek(self, kek_id: str) -> KekEntry | None:
        """The KEK with this id as last read, without copying the whole content (every
        unwrap asks); None if the keyring did not hold it then."""
        with self._thread_lock:
            if self._cache is None or self._stamp != self._file_stamp():
                self.reload()
            assert self._cache is not None
            entry = self._cache.kek(kek_id)
            return None if entry is None else replace(entry)

    def reload(self) -> KeyringContent:
        """Re-read the file (another process may have changed it); a copy of its content."""
        with self._thread_lock:
            # Stamped before reading: a change made meanwhile is seen by the next check.
            stamp = self._file_stamp()
            content = self._read()
            self._stamp = stamp
            if content is None:
                with self._locked():
                    content = self._read()
                    if content is None:
                        content = KeyringContent()
                        self._write(content)
            self._cache = content
            return copy.deepcopy(content)

    def update(self, change: Callable[[KeyringContent], T]) -> T:
        """Apply ``change`` to the freshly re-read content and write the result, all under
        the lock; nothing is written if ``change`` raises."""
        with self._locked():
            content = self._read() or KeyringContent()
            result = change(content)
            self._write(content)
            self._stamp = self._file_stamp()  # under the lock: nobody wrote in between
            self._cache = copy.deepcopy(content)
            return result

    def _file_stamp(self) -> tuple[int, ...] | None:
        # Every write replaces the file, so its inode changes; times and size guard against
        # an inode number being reused.
        try:
            st = self.path.stat()
        except FileNotFoundError:
            return None
        return (st.st_ino, st.st_mtime_ns, st.st_ctime_ns, st.st_size)

    # -- file ----------------------------------------------------------------------------

    @contextmanager
    def _locked(self) -> Iterator[None]:
        # flock serialises processes; the thread lock serialises this process's threads.
        with self._thread_lock:
            private_dir(self.path.parent)
            fd = os.open(self._lock_path, os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                yield
            finally:
                os.close(fd)

    def _read(self) -> KeyringContent | None:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return None
        try:
            document = json.loads(raw)
            header = document["header"]
            nonce = _unb64(document["nonce"], "nonce")
            ciphertext = _unb64(document["ciphertext"], "ciphertext")
        except (ValueError, KeyError, TypeError) as exc:
            raise KeyringError(f"{self.path} is not a keyring file: {exc!r}") from exc
        if not isinstance(header, dict) or header.get("format") != FORMAT:
            raise KeyringError(f"{self.path} is not a {FORMAT} file")
        if header.get("version") not in READABLE_VERSIONS:
            raise KeyringError(f"{self.path} has format version {header.get('version')!r}; "
                               f"this Caseline reads versions "
                               f"{', '.join(map(str, READABLE_VERSIONS))}")
        key = self._key_to_read(header)
        try:
            plaintext = AESGCM(key).decrypt(nonce, ciphertext, _aad(header))
        except (InvalidTag, ValueError) as exc:
            raise KeyringError(self._does_not_open(header)) from exc
        return KeyringContent.from_json(json.loads(plaintext))

    def _key_to_read(self, header: dict[str, Any]) -> bytes:
        kdf = header.get("kdf")
        if not isinstance(kdf, dict):
            raise KeyringError(f"{self.path} names no key derivation in its header")
        if kdf.get("name") == "scrypt":
            if self._env_key is not None:
                raise KeyringError(
                    f"{self.path} is protected by a passphrase, but {ENV_KEY} is set and takes "
                    f"precedence: unset it and set {ENV_PASSPHRASE}")
            if self._passphrase is None:
                raise KeyringError(f"{self.path} is protected by a passphrase: set "
                                   f"{ENV_PASSPHRASE}")
            salt = _unb64(kdf.get("salt"), "salt")
            n, r, p = kdf.get("n"), kdf.get("r"), kdf.get("p")
            if not (isinstance(n, int) and isinstance(r, int) and isinstance(p, int)
                    and 2**14 <= n <= 2**20 and n & (n - 1) == 0 and 1 <= r <= 32
                    and 1 <= p <= 16):
                raise KeyringError(f"{self.path} names scrypt parameters out of range "
                                   f"(n={n!r}, r={r!r}, p={p!r})")
            self._salt = salt
            return self._derive(salt, n, r, p)
        if kdf.get("name") != "none":
            raise KeyringError(f"{self.path} names an unknown key derivation {kdf.get('name')!r}")
        if self._env_key is not None:
            return self._env_key
        if self._passphrase is not None:
            raise KeyringError(
                f"{self.path} was written under a {kdf.get('source', 'raw key')}, not a "
                f"passphrase: unset {ENV_PASSPHRASE} (and set {ENV_KEY} if it was written "
                f"with one)")
        if self._file_key is None:
            try:
                self._file_key = self.key_file.read_bytes()
            except FileNotFoundError as exc:
                raise KeyringError(
                    f"{self.path} cannot be opened: its key file {self.key_file} is missing "
                    f"(set {ENV_KEY} or {ENV_PASSPHRASE} if it was written with one)") from exc
        return self._file_key

    def _does_not_open(self, header: dict[str, Any]) -> str:
        unchanged = "the file was left as it is"
        if self.protection == "passphrase":
            return (f"{self.path} does not open with that passphrase: check {ENV_PASSPHRASE} "
                    f"({unchanged})")
        if self.protection == "environment key":
            return (f"{self.path} does not open with that key: check {ENV_KEY} ({unchanged})")
        source = header.get("kdf", {}).get("source")
        hint = f"; it was written under {ENV_KEY}, set it" if source == "environment key" else ""
        return (f"{self.path} does not open with the key in {self.key_file}{hint} "
                f"({unchanged})")

    def _derive(self, salt: bytes, n: int, r: int, p: int) -> bytes:
        # scrypt is slow on purpose; derive once per salt rather than per read.
        cached = self._derived.get((salt, n, r, p))
        if cached is None:
            assert self._passphrase is not None
            cached = Scrypt(salt=salt, length=KEY_BYTES, n=n, r=r, p=p).derive(
                self._passphrase.encode())
            self._derived[(salt, n, r, p)] = cached
        return cached

    def _write(self, content: KeyringContent) -> None:
        """Encrypt and write ``content``; only called under the lock."""
        kdf: dict[str, Any]
        if self._env_key is not None:
            key, kdf = self._env_key, {"name": "none", "source": "environment key"}
        elif self._passphrase is not None:
            salt = self._salt or os.urandom(SALT_BYTES)
            self._salt = salt
            key = self._derive(salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
            kdf = {"name": "scrypt", "salt": _b64(salt), "n": SCRYPT_N, "r": SCRYPT_R,
                   "p": SCRYPT_P}
        else:
            # Reached without a loaded key only when the keyring does not exist yet.
            if self._file_key is None:
                self._file_key = load_or_create_secret(self.key_file, KEY_BYTES)
            key, kdf = self._file_key, {"name": "none", "source": "key file"}
        version = DESTRUCTION_VERSION if content.destroyed_keks else VERSION
        header = {"format": FORMAT, "version": version, "kdf": kdf}
        nonce = os.urandom(NONCE_BYTES)
        plaintext = json.dumps(content.to_json()).encode()
        ciphertext = AESGCM(key).encrypt(nonce, plaintext, _aad(header))
        document = {"header": header, "nonce": _b64(nonce), "ciphertext": _b64(ciphertext)}
        replace_private(self.path, json.dumps(document, indent=1).encode() + b"\n")
        _fsync_dir(self.path.parent)


def _aad(header: dict[str, Any]) -> bytes:
    # Canonical JSON: the header as parsed, so reformatting the file does not break it.
    return json.dumps(header, sort_keys=True, separators=(",", ":")).encode()
