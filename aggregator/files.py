"""Files in the state directory: private to the user who runs Caseline, written whole.

Everything Caseline keeps there (keys, the keyring, databases, the demo's access codes, logs)
is someone's personal data or guards it, so every file is created mode 0600 and every
directory 0700 whatever the umask; these helpers are the only way state files are written.
Several processes (two demos, a gateway and a CLI) may write the same file at once.
"""

from __future__ import annotations

import fcntl
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

__all__ = [
    "DIR_MODE",
    "FILE_MODE",
    "create_once",
    "exclusive_lock",
    "open_private_append",
    "private_dir",
    "private_file",
    "replace_file",
    "write_aside",
]

FILE_MODE = 0o600
DIR_MODE = 0o700


def private_dir(path: Path) -> Path:
    """``path`` and any missing parents, created mode 0700 (existing ones are left alone:
    a state directory may sit in a directory the user chose, such as their home)."""
    missing: list[Path] = []
    current = path
    while not current.exists():
        missing.append(current)
        if current.parent == current:
            break
        current = current.parent
    for directory in reversed(missing):
        try:
            os.mkdir(directory, DIR_MODE)
        except FileExistsError:
            continue  # another process made it first
        os.chmod(directory, DIR_MODE)  # mkdir's mode passes through the umask
    return path


def private_file(path: Path) -> Path:
    """``path`` created empty if missing, and made 0600 either way; for files another library
    opens by name (SQLite, which gives its journal and WAL files the database's mode)."""
    private_dir(path.parent)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except FileExistsError:
        # Never open an existing database: closing any descriptor of a file drops every
        # POSIX lock this process holds on it, SQLite's included.
        os.chmod(path, FILE_MODE)
        return path
    try:
        os.fchmod(fd, FILE_MODE)
    finally:
        os.close(fd)
    return path


def open_private_append(path: Path) -> BinaryIO:
    """``path`` opened for appending (a log), created 0600 and made 0600 if older."""
    private_dir(path.parent)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, FILE_MODE)
    try:
        os.fchmod(fd, FILE_MODE)
    except BaseException:
        os.close(fd)
        raise
    return os.fdopen(fd, "ab")


def write_aside(path: Path, data: bytes, mode: int = FILE_MODE) -> Path:
    """``data`` in a new file beside ``path``, fsync'd, under a name no other writer uses.

    Two demos, a gateway and a CLI may write the same file at the same moment; with one
    shared temporary name, one's rename would take the other's file away from under it.
    """
    private_dir(path.parent)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        os.fchmod(fd, mode)  # the mode given to open passes through the umask
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


def replace_file(path: Path, data: bytes, mode: int = FILE_MODE) -> None:
    """Replace ``path`` with ``data`` atomically: readers see the old file or the new one,
    whole. Concurrent writers each succeed; the last rename wins."""
    tmp = write_aside(path, data, mode)
    try:
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def create_once(path: Path, data: bytes, mode: int = FILE_MODE) -> bytes:
    """Write ``data`` to ``path`` unless it exists; what ``path`` holds afterwards.

    Several processes may start on one state directory at once: the first to create the file
    wins and the others read its content, never their own. The file appears whole (written
    aside, fsync'd, then hard-linked, which refuses to replace).
    """
    tmp = write_aside(path, data, mode)
    try:
        try:
            os.link(tmp, path)
        except FileExistsError:
            return path.read_bytes()
        return data
    finally:
        tmp.unlink(missing_ok=True)


@contextmanager
def exclusive_lock(path: Path | str) -> Iterator[None]:
    """Hold an exclusive flock on ``path`` (created 0600 beside what it guards) for the
    block: other processes wait, and so do other threads of this one (two opens of a file
    conflict too); the kernel releases it however the holder ends."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)
