"""Authorization codes: redeemed once, worthless after their time, shared through a file."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from deploy.demo.oidc_codes import CodeStore


def test_a_code_is_redeemed_once(tmp_path: Path) -> None:
    codes = CodeStore(tmp_path / "codes.sqlite3")
    code = codes.issue({"persona": "ana"})
    assert codes.redeem(code) == {"persona": "ana"}
    assert codes.redeem(code) is None


def test_another_store_on_the_same_file_redeems_it(tmp_path: Path) -> None:
    """Each gateway process opens its own store over the demo's one file."""
    code = CodeStore(tmp_path / "codes.sqlite3").issue({"persona": "raj"})
    assert CodeStore(tmp_path / "codes.sqlite3").redeem(code) == {"persona": "raj"}


def test_an_expired_or_unknown_code_is_worthless(tmp_path: Path) -> None:
    codes = CodeStore(tmp_path / "codes.sqlite3", ttl_s=60)
    code = codes.issue({"persona": "ana"}, now=1000)
    assert codes.redeem(code, now=1060) is None
    assert codes.redeem("never-issued") is None


def test_only_digests_are_stored_and_expired_codes_are_swept(tmp_path: Path) -> None:
    codes = CodeStore(tmp_path / "codes.sqlite3", ttl_s=60)
    old = codes.issue({"persona": "ana"}, now=1000)
    new = codes.issue({"persona": "lee"}, now=2000)
    with sqlite3.connect(tmp_path / "codes.sqlite3") as db:
        stored = [row[0] for row in db.execute("SELECT code_hash FROM codes")]
    assert len(stored) == 1 and new not in stored and old not in stored
