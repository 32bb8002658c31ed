"""Where a running demo keeps its state: one run file per address, found again from a URL.

`caseline demo` writes ``<run dir>/<host>-<port>.json`` (0600: the state directory, its pid,
URL and start time, its engine and URLs without passwords) before it serves and removes it
when it stops. The commands that work on a demo's state (dev-token, keys, audit) find that
state, and the database a `--engine postgres` demo uses, from the demo's URL when they are
not told the state directory, instead of guessing ``~/.caseline`` and signing tokens the
demo does not accept.

While it runs, the demo holds an exclusive lock on its run file. The kernel drops the lock
when the process ends however it ends (kill -9 included), so a file whose lock is free is
stale even if its pid has since been reused by another process; finders remove it.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from aggregator.files import private_dir, write_aside

__all__ = [
    "DEFAULT_URL",
    "Lookup",
    "RunRecord",
    "RunningDemo",
    "StateDirNotFound",
    "announce",
    "demo_database_url",
    "demo_url",
    "find_demo",
    "locate_state_dir",
    "parse_address",
    "run_dir",
    "run_file",
]

DEFAULT_URL = "http://127.0.0.1:8000"
MAX_URL_CHARS = 2048
MAX_RUN_FILE_BYTES = 16 * 1024  # a run file is a few short fields
STATE_DIR_ENV = "CASELINE_STATE_DIR"
# A demo told to listen on one of these is reachable (and asked for) under the others too.
_LOOPBACK_ALIASES = {
    "localhost": ("127.0.0.1", "::1"),
    "127.0.0.1": ("localhost",),
    "::1": ("localhost",),
}
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


class StateDirNotFound(Exception):
    """No state directory was given and no running demo was found for the URL; the message
    names every place looked."""


@dataclass(frozen=True)
class RunRecord:
    """What a run file says about the demo that wrote it."""

    state_dir: Path
    pid: int
    url: str
    started_at: datetime
    # `--engine` and the URLs of the aggregator's database, Redis and NATS (None: the
    # embedded default), without passwords; older run files have none.
    engine: str = "embedded"
    database_url: str | None = None
    redis_url: str | None = None
    nats_url: str | None = None

    def to_json(self) -> bytes:
        """The record as the run file's bytes."""
        return json.dumps({"state_dir": str(self.state_dir), "pid": self.pid, "url": self.url,
                           "started_at": self.started_at.isoformat(), "engine": self.engine,
                           "database_url": self.database_url, "redis_url": self.redis_url,
                           "nats_url": self.nats_url}, indent=2).encode()

    @classmethod
    def from_json(cls, data: bytes) -> RunRecord:
        """A record from a run file's bytes; ValueError naming what is wrong."""
        try:
            raw = json.loads(data)
            record = cls(Path(raw["state_dir"]), int(raw["pid"]), str(raw["url"]),
                         datetime.fromisoformat(raw["started_at"]),
                         str(raw.get("engine") or "embedded"),
                         *(_optional(raw, key) for key in ("database_url", "redis_url",
                                                           "nats_url")))
        except (KeyError, TypeError, ValueError, UnicodeDecodeError) as exc:
            raise ValueError(f"not a run file ({type(exc).__name__}: {exc})") from exc
        if not record.state_dir.is_absolute() or record.pid <= 0:
            raise ValueError("not a run file (state_dir must be absolute, pid positive)")
        return record


def _optional(raw: Mapping[str, object], key: str) -> str | None:
    value = raw.get(key)
    return None if value is None else str(value)


def run_dir(env: Mapping[str, str] | None = None) -> Path:
    """``$XDG_RUNTIME_DIR/caseline`` (per user, emptied at logout), else
    ``$XDG_CACHE_HOME/caseline/run``, else ``~/.cache/caseline/run``."""
    env = os.environ if env is None else env
    # The XDG spec: a relative path in these variables is invalid and is ignored.
    runtime = env.get("XDG_RUNTIME_DIR", "")
    if runtime and Path(runtime).is_absolute():
        return Path(runtime) / "caseline"
    cache = env.get("XDG_CACHE_HOME", "")
    base = Path(cache) if cache and Path(cache).is_absolute() else Path.home() / ".cache"
    return base / "caseline" / "run"


def parse_address(url: str) -> tuple[str, int]:
    """The host and port a gateway URL names (``http://127.0.0.1:8000``; the scheme may be
    left out); ValueError saying what was expected."""
    if len(url) > MAX_URL_CHARS:
        raise ValueError(f"a URL has at most {MAX_URL_CHARS} characters, got {len(url)}")
    parts = urlsplit(url if "://" in url else f"http://{url}")
    try:
        port = parts.port
    except ValueError as exc:
        raise ValueError(f"{url!r} has no valid port: expected a URL like {DEFAULT_URL}"
                         ) from exc
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{url!r} is not an http(s) URL with a host: expected a URL like "
                         f"{DEFAULT_URL}")
    return parts.hostname.lower(), port or (443 if parts.scheme == "https" else 80)


def demo_url(host: str, port: int) -> str:
    """The base URL of a demo listening on ``host``:``port``."""
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def run_file(host: str, port: int, env: Mapping[str, str] | None = None) -> Path:
    """The run file of the demo listening on ``host``:``port``."""
    return run_dir(env) / f"{_UNSAFE.sub('_', host.lower())}-{port}.json"


class RunningDemo:
    """The run file of this process's demo, locked until :meth:`remove`."""

    def __init__(self, path: Path, fd: int) -> None:
        self.path = path
        self._fd: int | None = fd

    def remove(self) -> None:
        """Remove the run file (unless another demo on the address has replaced it) and
        release its lock. Idempotent."""
        if self._fd is None:
            return
        try:
            _unlink_if_same(self.path, self._fd)
        finally:
            os.close(self._fd)
            self._fd = None


def announce(state_dir: Path, host: str, port: int,
             env: Mapping[str, str] | None = None,
             engines: Mapping[str, str | None] | None = None) -> RunningDemo:
    """Write and lock the run file of a demo with ``state_dir`` serving ``host``:``port``;
    ``engines``: its engine and URLs (``Engines.described()``: no passwords)."""
    path = run_file(host, port, env)
    private_dir(path.parent)
    shown = dict(engines or {})
    record = RunRecord(state_dir.resolve(), os.getpid(), demo_url(host, port),
                       datetime.now(UTC), shown.get("engine") or "embedded",
                       shown.get("database_url"), shown.get("redis_url"),
                       shown.get("nats_url"))
    # Locked before it is renamed into place: a finder never sees it unlocked while we live.
    tmp = write_aside(path, record.to_json())
    fd = os.open(tmp, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        os.replace(tmp, path)
    except BaseException:
        os.close(fd)
        tmp.unlink(missing_ok=True)
        raise
    return RunningDemo(path, fd)


@dataclass(frozen=True)
class Lookup:
    """What :func:`find_demo` found: the live demo's record, if any, and each place looked
    with what was there, for a message."""

    found: RunRecord | None
    looked: tuple[str, ...]


def find_demo(url: str, env: Mapping[str, str] | None = None) -> Lookup:
    """The running demo serving ``url``, from its run file; stale files are removed.
    ValueError if ``url`` is not a gateway URL."""
    host, port = parse_address(url)
    looked: list[str] = []
    for name in (host, *_LOOPBACK_ALIASES.get(host, ())):
        path = run_file(name, port, env)
        record, note = _read_live(path)
        if record is not None:
            return Lookup(record, (*looked, f"{path} (found)"))
        looked.append(f"{path} ({note})")
    return Lookup(None, tuple(looked))


def locate_state_dir(explicit: Path | None, url: str | None,
                     env: Mapping[str, str] | None = None) -> Path:
    """``explicit``, else ``$CASELINE_STATE_DIR``, else the state directory of the demo
    serving ``url`` (default :data:`DEFAULT_URL`). Never a default such as ``~/.caseline``:
    StateDirNotFound naming the places looked. ValueError for a malformed ``url``."""
    if explicit is not None:
        return explicit
    env = os.environ if env is None else env
    override = env.get(STATE_DIR_ENV, "")
    if override:
        return Path(override).expanduser()
    target = url or DEFAULT_URL
    lookup = find_demo(target, env)
    if lookup.found is not None:
        return lookup.found.state_dir
    places = "; ".join(("--state-dir (not given)", f"${STATE_DIR_ENV} (not set)",
                        *lookup.looked))
    raise StateDirNotFound(
        f"no running demo found at {target}, and no state directory given. Looked at: "
        f"{places}. Start `caseline demo`, pass --url with the address of the demo that "
        f"runs, or pass --state-dir DIR (or set ${STATE_DIR_ENV}).")


def demo_database_url(state_dir: Path, url: str | None,
                      env: Mapping[str, str] | None = None) -> str | None:
    """The aggregator database URL of the demo running at ``url`` (default
    :data:`DEFAULT_URL`) on ``state_dir``; None when none runs there, or it uses SQLite in
    the state directory. ValueError for a malformed ``url``."""
    found = find_demo(url or DEFAULT_URL, env).found
    if found is None or found.state_dir != state_dir.resolve():
        return None
    return found.database_url


def _read_live(path: Path) -> tuple[RunRecord | None, str]:
    """The record in ``path`` if a live demo holds it, else None and what was there."""
    try:
        # O_NOFOLLOW: the run directory is ours; a link planted in it is not followed.
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except FileNotFoundError:
        return None, "none"
    except OSError as exc:
        return None, f"ignored: {exc.strerror}"
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return None, "ignored: not a regular file"
        if info.st_uid != os.getuid():
            return None, "ignored: owned by another user"
        if info.st_size > MAX_RUN_FILE_BYTES:
            return None, f"ignored: over {MAX_RUN_FILE_BYTES} bytes"
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            pass  # its demo holds it: live
        else:
            pid = _pid_in(fd)
            _unlink_if_same(path, fd)
            gone = f"pid {pid} is gone" if pid and not _pid_alive(pid) else "its demo stopped"
            return None, f"stale: {gone}; removed"
        try:
            return RunRecord.from_json(os.pread(fd, MAX_RUN_FILE_BYTES, 0)), "found"
        except ValueError as exc:
            return None, f"ignored: {exc}"
    finally:
        os.close(fd)


def _pid_in(fd: int) -> int | None:
    try:
        return RunRecord.from_json(os.pread(fd, MAX_RUN_FILE_BYTES, 0)).pid
    except ValueError:
        return None


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True


def _unlink_if_same(path: Path, fd: int) -> None:
    # A demo that started on the address since may have put its own file there.
    opened = os.fstat(fd)
    try:
        current = os.stat(path, follow_symlinks=False)
    except FileNotFoundError:
        return
    if (current.st_dev, current.st_ino) == (opened.st_dev, opened.st_ino):
        path.unlink(missing_ok=True)
