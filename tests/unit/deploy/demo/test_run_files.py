"""Issue 13 item 2: run files say where a running demo's state lives, found again by URL."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from deploy.demo.run_files import (
    DEFAULT_URL,
    MAX_RUN_FILE_BYTES,
    RunRecord,
    StateDirNotFound,
    announce,
    demo_database_url,
    find_demo,
    locate_state_dir,
    parse_address,
    run_dir,
    run_file,
)

ROOT = Path(__file__).parents[3]


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """An environment whose run directory is private to the test, no state dir set."""
    return {"XDG_RUNTIME_DIR": str(tmp_path / "runtime")}


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def _hand_written(path: Path, state: Path, pid: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"state_dir": str(state), "pid": pid,
                                "url": "http://127.0.0.1:1", "started_at":
                                "2026-12-01T00:00:00+00:00"}))


def test_run_dir_follows_xdg_and_ignores_relative_paths(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert run_dir({"XDG_RUNTIME_DIR": "/run/user/7"}) == Path("/run/user/7/caseline")
    assert run_dir({"XDG_RUNTIME_DIR": "relative", "XDG_CACHE_HOME": "/c"}) == Path(
        "/c/caseline/run")
    assert run_dir({"XDG_CACHE_HOME": "also/relative"}) == (
        tmp_path / "home" / ".cache" / "caseline" / "run")


@pytest.mark.parametrize(("url", "expected"), [
    ("http://127.0.0.1:8000", ("127.0.0.1", 8000)),
    ("http://127.0.0.1:8000/graphql", ("127.0.0.1", 8000)),
    ("127.0.0.1:9001", ("127.0.0.1", 9001)),
    ("http://LocalHost:8000/", ("localhost", 8000)),
    ("http://[::1]:8000", ("::1", 8000)),
    ("https://gateway.example", ("gateway.example", 443)),
    ("http://gateway.example", ("gateway.example", 80)),
])
def test_parse_address(url: str, expected: tuple[str, int]) -> None:
    assert parse_address(url) == expected


@pytest.mark.parametrize(("url", "says"), [
    ("http://127.0.0.1:notaport", "no valid port"),
    ("http://127.0.0.1:99999", "no valid port"),
    ("ftp://127.0.0.1:21", "not an http(s) URL"),
    ("http://:8000", "not an http(s) URL"),
    ("http://" + "a" * 3000, "at most 2048 characters"),
])
def test_parse_address_refuses_what_is_not_a_gateway_url(url: str, says: str) -> None:
    with pytest.raises(ValueError, match=r"expected a URL like|at most") as raised:
        parse_address(url)
    assert says in str(raised.value)


def test_a_running_demo_is_found_by_its_address_and_gone_once_removed(
        tmp_path: Path, env: dict[str, str]) -> None:
    state = tmp_path / "state"
    running = announce(state, "127.0.0.1", 8123, env)
    path = run_file("127.0.0.1", 8123, env)
    assert running.path == path
    assert path.stat().st_mode & 0o777 == 0o600
    assert path.parent.stat().st_mode & 0o777 == 0o700
    record = RunRecord.from_json(path.read_bytes())
    assert (record.state_dir, record.pid, record.url) == (state.resolve(), os.getpid(),
                                                          "http://127.0.0.1:8123")

    found = find_demo("http://127.0.0.1:8123", env).found
    assert found is not None and found.state_dir == state.resolve()
    # The same demo answers at localhost.
    assert find_demo("http://localhost:8123/graphql", env).found == found
    assert find_demo("http://127.0.0.1:8124", env).found is None

    running.remove()
    running.remove()  # idempotent: Ctrl-C while already stopping
    assert not path.exists()
    lookup = find_demo("http://127.0.0.1:8123", env)
    assert lookup.found is None
    assert f"{path} (none)" in lookup.looked


def test_a_run_file_whose_pid_is_gone_is_ignored_and_removed(tmp_path: Path,
                                                              env: dict[str, str]) -> None:
    path = run_file("127.0.0.1", 8200, env)
    pid = _dead_pid()
    _hand_written(path, tmp_path / "old-state", pid)
    lookup = find_demo("http://127.0.0.1:8200", env)
    assert lookup.found is None
    assert f"{path} (stale: pid {pid} is gone; removed)" in lookup.looked
    assert not path.exists()


def test_a_run_file_no_demo_holds_is_stale_even_if_its_pid_was_reused(
        tmp_path: Path, env: dict[str, str]) -> None:
    path = run_file("127.0.0.1", 8201, env)
    _hand_written(path, tmp_path / "old-state", os.getpid())  # a live pid, not a demo's
    lookup = find_demo("http://127.0.0.1:8201", env)
    assert lookup.found is None and not path.exists()
    assert any("stale" in place for place in lookup.looked)


def test_a_demo_killed_outright_leaves_a_file_that_is_found_stale(
        tmp_path: Path, env: dict[str, str]) -> None:
    """kill -9 runs no cleanup: the kernel's release of the lock is what tells."""
    code = ("import sys; from pathlib import Path; from deploy.demo.run_files import announce; "
            f"announce(Path({str(tmp_path / 'state')!r}), '127.0.0.1', 8300); "
            "print('ready', flush=True); sys.stdin.read()")
    child = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, text=True,
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             env={**os.environ, **env})
    assert child.stdout is not None and child.stdin is not None
    try:
        assert child.stdout.readline().strip() == "ready"
        assert find_demo("http://127.0.0.1:8300", env).found is not None
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
        child.stdout.close()
        child.stdin.close()
    path = run_file("127.0.0.1", 8300, env)
    assert path.exists()
    assert find_demo("http://127.0.0.1:8300", env).found is None
    assert not path.exists()


def test_stopping_leaves_the_file_of_a_newer_demo_on_the_same_address(
        tmp_path: Path, env: dict[str, str]) -> None:
    older = announce(tmp_path / "a", "127.0.0.1", 8400, env)
    newer = announce(tmp_path / "b", "127.0.0.1", 8400, env)
    older.remove()
    found = find_demo("http://127.0.0.1:8400", env).found
    assert found is not None and found.state_dir == (tmp_path / "b").resolve()
    newer.remove()
    assert find_demo("http://127.0.0.1:8400", env).found is None


def test_an_oversized_run_file_is_ignored_unread(tmp_path: Path, env: dict[str, str]) -> None:
    path = run_file("127.0.0.1", 8500, env)
    path.parent.mkdir(parents=True)
    path.write_bytes(b" " * (MAX_RUN_FILE_BYTES + 1))
    lookup = find_demo("http://127.0.0.1:8500", env)
    assert lookup.found is None
    assert f"{path} (ignored: over {MAX_RUN_FILE_BYTES} bytes)" in lookup.looked


def test_what_is_not_a_regular_file_is_ignored(tmp_path: Path, env: dict[str, str]) -> None:
    directory = run_file("127.0.0.1", 8501, env)
    directory.mkdir(parents=True)
    link = run_file("127.0.0.1", 8502, env)
    target = tmp_path / "elsewhere.json"
    live = announce(tmp_path / "state", "127.0.0.1", 8503, env)  # a locked file to point at
    os.link(run_file("127.0.0.1", 8503, env), target)
    link.symlink_to(target)
    assert find_demo("http://127.0.0.1:8501", env).looked[0] == (
        f"{directory} (ignored: not a regular file)")
    assert find_demo("http://127.0.0.1:8502", env).looked[0].startswith(f"{link} (ignored: ")
    assert directory.is_dir() and link.is_symlink()
    live.remove()


@pytest.mark.parametrize("data", [b"{", b"[]", b'{"state_dir": "relative", "pid": 1, "url": '
                                  b'"u", "started_at": "2026-12-01T00:00:00+00:00"}'])
def test_malformed_records_are_refused(data: bytes) -> None:
    with pytest.raises(ValueError, match="not a run file"):
        RunRecord.from_json(data)


def test_state_dir_given_wins_then_the_environment_then_the_running_demo(
        tmp_path: Path, env: dict[str, str]) -> None:
    running = announce(tmp_path / "demo", "127.0.0.1", 8600, env)
    try:
        url = "http://127.0.0.1:8600"
        assert locate_state_dir(tmp_path / "given", url, env) == tmp_path / "given"
        with_var = {**env, "CASELINE_STATE_DIR": str(tmp_path / "var")}
        assert locate_state_dir(None, url, with_var) == tmp_path / "var"
        assert locate_state_dir(None, url, env) == (tmp_path / "demo").resolve()
    finally:
        running.remove()


def test_nothing_found_is_a_refusal_naming_every_place_looked(
        tmp_path: Path, env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    with pytest.raises(StateDirNotFound) as refused:
        locate_state_dir(None, None, env)
    message = str(refused.value)
    assert f"no running demo found at {DEFAULT_URL}" in message
    assert "--state-dir (not given)" in message
    assert "$CASELINE_STATE_DIR (not set)" in message
    for host in ("127.0.0.1", "localhost"):
        assert f"{run_file(host, 8000, env)} (none)" in message
    assert not (tmp_path / "home" / ".caseline").exists()


def test_a_postgres_demo_records_its_engine_and_database_found_again_by_url(
        tmp_path: Path, env: dict[str, str]) -> None:
    """A `--engine postgres` demo's run file names its engine and URLs (passwords left
    out by the demo); commands find its database from its URL, for its state directory
    only."""
    database = "postgresql+psycopg://postgres@127.0.0.1:5432/test?options=-csearch_path%3Dt1"
    running = announce(tmp_path / "pg", "127.0.0.1", 8700, env, engines={
        "engine": "postgres", "database_url": database, "redis_url": "redis://127.0.0.1:6379/0",
        "nats_url": "nats://127.0.0.1:4222"})
    try:
        record = find_demo("http://127.0.0.1:8700", env).found
        assert record is not None
        assert (record.engine, record.database_url, record.redis_url, record.nats_url) == (
            "postgres", database, "redis://127.0.0.1:6379/0", "nats://127.0.0.1:4222")
        assert demo_database_url(tmp_path / "pg", "http://127.0.0.1:8700", env) == database
        assert demo_database_url(tmp_path / "other", "http://127.0.0.1:8700", env) is None
    finally:
        running.remove()
    assert demo_database_url(tmp_path / "pg", "http://127.0.0.1:8700", env) is None


def test_a_run_file_from_before_engines_reads_as_embedded(tmp_path: Path) -> None:
    path = tmp_path / "old.json"
    _hand_written(path, tmp_path / "state", 1)
    record = RunRecord.from_json(path.read_bytes())
    assert (record.engine, record.database_url, record.redis_url, record.nats_url) == (
        "embedded", None, None, None)
