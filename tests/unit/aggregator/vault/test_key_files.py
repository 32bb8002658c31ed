"""Key files created on first use, by several starters at once."""

from __future__ import annotations

import functools
import stat
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

from aggregator.vault.key_files import (
    load_or_create_ed25519,
    load_or_create_secret,
    replace_private,
)


def _race(count: int, load: Callable[[], bytes]) -> list[bytes]:
    barrier = threading.Barrier(count)
    results: list[bytes] = []

    def start() -> None:
        barrier.wait()
        results.append(load())

    threads = [threading.Thread(target=start) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_starters_racing_for_a_new_secret_all_get_the_one_on_disk(tmp_path: Path) -> None:
    for attempt in range(20):
        path = tmp_path / f"secret-{attempt}"
        results = _race(8, functools.partial(load_or_create_secret, path))
        assert set(results) == {path.read_bytes()}
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_starters_racing_for_a_new_signing_key_all_get_the_one_on_disk(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "signing.pem"

    def public() -> bytes:
        return load_or_create_ed25519(path).public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw)

    results = _race(8, public)
    assert len(set(results)) == 1 and set(results) == {public()}
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_secret_of_the_wrong_size_is_refused_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "secret"
    path.write_bytes(b"short")
    with pytest.raises(ValueError, match=f"{path} must hold exactly 32 bytes"):
        load_or_create_secret(path)


def test_replace_private_overwrites_with_mode_0600(tmp_path: Path) -> None:
    path = tmp_path / "file"
    path.write_bytes(b"old")
    replace_private(path, b"new")
    assert path.read_bytes() == b"new" and stat.S_IMODE(path.stat().st_mode) == 0o600
