"""State files written whole, by several processes at once."""

from __future__ import annotations

import stat
import subprocess
import sys
from pathlib import Path

import pytest

from aggregator.files import replace_file

ROOT = Path(__file__).parents[3]

_WRITER = """
import sys
from pathlib import Path
from aggregator.files import replace_file
path, writer = Path(sys.argv[1]), sys.argv[2]
for i in range(300):
    replace_file(path, f"writer {writer} write {i}\\n".encode() * 50)
"""


def test_concurrent_writers_all_succeed_and_the_file_is_always_whole(tmp_path: Path) -> None:
    # Two demos starting together both publish the consent JWKS; with a shared temporary
    # name one's rename took the other's file away and that demo failed to start.
    path = tmp_path / "keys" / "consent-jwks.json"
    writers = [subprocess.Popen([sys.executable, "-c", _WRITER, str(path), str(w)], cwd=ROOT,
                                stderr=subprocess.PIPE) for w in range(4)]
    while any(p.poll() is None for p in writers):
        if path.exists():
            lines = set(path.read_text().splitlines())
            assert len(lines) == 1, "a reader saw a file mixed or cut short"
    errors = [p.communicate()[1].decode() for p in writers]
    assert [p.returncode for p in writers] == [0, 0, 0, 0], errors
    assert path.read_text().splitlines()[0].endswith("write 299")
    assert [p.name for p in path.parent.iterdir()] == ["consent-jwks.json"], "no leftovers"


def test_state_files_are_private_unless_the_caller_says_otherwise(tmp_path: Path) -> None:
    replace_file(tmp_path / "manifest.json", b"{}")
    replace_file(tmp_path / "public.json", b"{}", 0o644)
    assert stat.S_IMODE((tmp_path / "manifest.json").stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "public.json").stat().st_mode) == 0o644


def test_a_failed_write_keeps_the_old_file_and_leaves_nothing_behind(tmp_path: Path) -> None:
    path = tmp_path / "manifest.json"
    replace_file(path, b'{"today": "2026-11-23"}')
    with pytest.raises(TypeError):
        replace_file(path, "not bytes")  # type: ignore[arg-type]
    assert path.read_bytes() == b'{"today": "2026-11-23"}'
    assert [p.name for p in tmp_path.iterdir()] == ["manifest.json"]
