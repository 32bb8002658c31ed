"""Shredding on SQLite erases the wrapped keys from the database file and its WAL."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from aggregator.store import make_engine
from aggregator.vault import LocalKeyService, SubjectKeys
from aggregator.vault.tables import subject_keys as table

PLACE = ("link", "courts", "ref_9")


def _insecure_engine(path: Path) -> sa.engine.Engine:
    """The aggregator's engine, with secure_delete off as SQLite builds ship it by default
    (some distributions turn it on): only the vault's own setting may erase the bytes."""
    engine = make_engine(f"sqlite:///{path}")
    sa.event.listen(engine, "connect",
                    lambda conn, _record: conn.execute("PRAGMA secure_delete=OFF"))
    return engine


def _file_bytes(path: Path) -> bytes:
    wal = path.with_name(path.name + "-wal")
    return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


def test_shredded_keys_are_gone_from_the_file_and_wal(tmp_path: Path,
                                                      kms: LocalKeyService) -> None:
    """After shredding, no byte string of the destroyed wrapped keys is left in
    aggregator.sqlite3 or aggregator.sqlite3-wal, though rows were rewritten many times (each
    seal updates the counter) and pages split; other subjects' keys are still there."""
    path = tmp_path / "aggregator.sqlite3"
    engine = _insecure_engine(path)
    try:
        keys = SubjectKeys(engine, kms, limit=60)
        subjects = [f"subject-{i:03d}" for i in range(120)]
        for subject in subjects:
            keys.seal(subject, b"v", PLACE)
        for _ in range(130):  # counter rewrites, and new versions at the limit
            keys.seal("subject-050", b"v", PLACE)
        with engine.connect() as conn:
            wrapped = {(r.subject_id, r.version): r.wrapped
                       for r in conn.execute(sa.select(table)).all()}
        doomed = ["subject-000", "subject-050", "subject-119"]
        assert len([k for k in wrapped if k[0] == "subject-050"]) == 3
        before = _file_bytes(path)
        assert all(blob in before for blob in wrapped.values())

        assert [keys.shred(subject) for subject in doomed] == [1, 3, 1]

        after = _file_bytes(path)
        assert path.with_name(path.name + "-wal").stat().st_size == 0
        for (subject, _version), blob in wrapped.items():
            # Any 16-byte run of a destroyed key would be a remnant.
            remnant = any(blob[i:i + 16] in after for i in range(0, len(blob) - 15, 8))
            assert remnant is (subject not in doomed), subject
    finally:
        engine.dispose()
