"""Files in the state directory that several processes may write at once, written whole."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

__all__ = ["replace_file", "write_aside"]


def write_aside(path: Path, data: bytes, mode: int) -> Path:
    """``data`` in a new file beside ``path``, fsync'd, under a name no other writer uses.

    Two demos, a gateway and a CLI may write the same file at the same moment; with one
    shared temporary name, one's rename would take the other's file away from under it.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


def replace_file(path: Path, data: bytes, mode: int = 0o644) -> None:
    """Replace ``path`` with ``data`` atomically: readers see the old file or the new one,
    whole. Concurrent writers each succeed; the last rename wins."""
    tmp = write_aside(path, data, mode)
    try:
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
