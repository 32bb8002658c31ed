"""Issue 19, item 2: a shred holds against a backup taken before it, on SQLite and PostgreSQL.

Deleting a subject's wrapped keys leaves them in PostgreSQL's dead tuples and WAL and in every
backup, so after a shred the vault rotates to a new key-encryption key, rewraps everyone
else, and destroys the old KEKs once the grace period ended. These tests take a backup (the
subject-key rows, as a dump would hold them, and the keyring file) before shredding ana, let
the follow-up run, restore the rows into a fresh database next to the CURRENT keyring, and
show ana's data does not open there while everyone else's opens in the live database. They
also show why the README's keyring backup policy says keyring backups must expire within the
grace period: a keyring backup from before the shred, next to the database backup, opens her
data.
"""

from __future__ import annotations

import base64
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from aggregator.migrations import upgrade as migrate
from aggregator.store import make_engine
from aggregator.vault import (
    KekDestroyedError,
    Keyring,
    LocalKeyService,
    SubjectKeys,
    Vault,
    open_vault,
)
from aggregator.vault.admin import advance_destructions
from aggregator.vault.tables import subject_keys as table
from support.databases import fresh_database_url
from support.fakes import FakeLedger

PLACE = ("link", "immigration", "IOE0990000001")
SUBJECTS = ("ana", "raj", "lin")
GRACE = timedelta(minutes=5)


@dataclass
class Backup:
    """What an operator's backup holds: the subject-key rows and the keyring file."""

    rows: list[dict[str, Any]]
    keyring: Path


@dataclass
class Installation:
    state_dir: Path
    environ: dict[str, str]
    engine: Engine
    vault: Vault
    sealed: dict[str, bytes]
    now: datetime

    def backup(self, where: Path) -> Backup:
        """Copy the subject-key rows (a pg_dump-equivalent SELECT) and the keyring file."""
        with self.engine.connect() as conn:
            rows = [dict(row._mapping) for row in conn.execute(sa.select(table))]
        where.mkdir(parents=True)
        copy = where / "keyring.json"
        shutil.copy2(self.vault.keyring.path, copy)
        return Backup(rows, copy)


@pytest.fixture(params=["sqlite", "postgresql"])
def engine_name(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def installation(engine_name: str, tmp_path: Path) -> Iterator[Installation]:
    """A vault on the engine holding sealed data of three subjects, wrapped under kek-1 and
    then, after a rotation and rewrap, under kek-2 (so old images under both exist)."""
    environ = {"CASELINE_KEYRING_KEY": base64.b64encode(os.urandom(32)).decode()}
    (tmp_path / "live").mkdir()
    with fresh_database_url(engine_name, tmp_path / "live") as url:
        engine = make_engine(url)
        try:
            vault = open_vault(tmp_path / "state", engine, environ=environ, grace=GRACE)
            sealed = {s: vault.subject_keys.seal(s, f"{s}'s case".encode(), PLACE)
                      for s in SUBJECTS}
            yield Installation(tmp_path / "state", environ, engine, vault, sealed,
                               datetime.now(UTC))
        finally:
            engine.dispose()


@contextmanager
def _restore_database(engine_name: str, where: Path) -> Iterator[str]:
    """An empty database to restore a backup into."""
    where.mkdir()
    with fresh_database_url(engine_name, where) as url:
        yield url


def _restored(rows: list[dict[str, Any]], url: str, keyring: Keyring) -> SubjectKeys:
    """The backed-up rows restored into an empty database, opened with ``keyring``."""
    engine = make_engine(url)
    migrate(engine)  # the restored database's schema, as `caseline migrate` makes it
    with engine.begin() as conn:
        conn.execute(sa.insert(table), rows)
    return SubjectKeys(engine, LocalKeyService(keyring))


def _shred_and_wait_out_the_grace(installation: Installation, ledger: FakeLedger) -> None:
    """Shred ana, run the follow-up at once (as `keys shred` does) and again after the grace
    period (as `keys rewrap` or the gateway does): every KEK there was is destroyed."""
    vault = installation.vault
    old = vault.kms.key_ids()
    new = f"kek-{len(old) + 1}"
    assert vault.subject_keys.shred("ana") == 1
    started = advance_destructions(vault, ledger)
    assert started.rotated is not None and started.rotated.keys == {"kek": new}
    assert started.destroyed == ()
    assert [kek for kek, _ in started.waiting] == old
    finished = advance_destructions(vault, ledger, now=installation.now + GRACE
                                    + timedelta(minutes=1))
    assert [kek for kek, _ in finished.destroyed] == old
    assert vault.kms.key_ids() == [new]
    assert ledger.key_events() == [("ROTATED", new), *(("DESTROYED", kek) for kek in old)]


def test_a_backup_from_before_the_shred_does_not_open_ana_with_the_current_keyring(
        installation: Installation, engine_name: str, tmp_path: Path) -> None:
    vault = installation.vault
    kek1_backup = installation.backup(tmp_path / "backup-kek-1")  # ana's key under kek-1
    vault.kms.rotate()
    assert vault.subject_keys.rewrap() == 3
    kek2_backup = installation.backup(tmp_path / "backup-kek-2")  # and under kek-2
    # A running process (the gateway) that has kek-2 in memory from a read.
    gateway = SubjectKeys(installation.engine, LocalKeyService(
        Keyring(vault.keyring.path, environ=installation.environ)))
    assert gateway.open("raj", installation.sealed["raj"], PLACE) == b"raj's case"
    ledger = FakeLedger()

    _shred_and_wait_out_the_grace(installation, ledger)

    current = Keyring(vault.keyring.path, environ=installation.environ)
    for number, backup in enumerate((kek1_backup, kek2_backup)):
        with _restore_database(engine_name, tmp_path / f"restore-{number}") as url:
            restored = _restored(backup.rows, url, current)
            try:
                with pytest.raises(KekDestroyedError, match="was destroyed"):
                    restored.open("ana", installation.sealed["ana"], PLACE)
                # The whole restored database is as good as shredded: take database backups
                # again once a destruction is done.
                with pytest.raises(KekDestroyedError):
                    restored.open("raj", installation.sealed["raj"], PLACE)
                with pytest.raises(KekDestroyedError):
                    gateway.kms.unwrap(backup.rows[0]["kek_id"], backup.rows[0]["wrapped"],
                                       b"")
            finally:
                restored.engine.dispose()
    # Everyone else's data opens in the live database, here and in the running process,
    # which dropped the destroyed KEK it had read.
    for subject in ("raj", "lin"):
        assert vault.subject_keys.open(subject, installation.sealed[subject], PLACE) \
            == f"{subject}'s case".encode()
        assert gateway.open(subject, installation.sealed[subject], PLACE) \
            == f"{subject}'s case".encode()
    status = vault.status()
    assert status["pending_destructions"] == [] and status["destroyed_keks"] == 2


def test_within_the_grace_period_the_old_kek_still_opens_a_backup(
        installation: Installation, engine_name: str, tmp_path: Path) -> None:
    """Until the destruction is due, the backup does open ana's data with the live keyring:
    the window the grace period leaves, which `keys status` shows as pending."""
    backup = installation.backup(tmp_path / "backup")
    installation.vault.subject_keys.shred("ana")
    advance_destructions(installation.vault, FakeLedger())
    pending = installation.vault.status()["pending_destructions"]
    assert [(p["kek"], p["subject_keys_left"]) for p in pending] == [("kek-1", 0)]
    with _restore_database(engine_name, tmp_path / "restore") as url:
        restored = _restored(backup.rows, url, Keyring(installation.vault.keyring.path,
                                                       environ=installation.environ))
        try:
            assert restored.open("ana", installation.sealed["ana"], PLACE) == b"ana's case"
        finally:
            restored.engine.dispose()


def test_policy_keyring_backups_must_expire_within_the_grace_period(
        installation: Installation, engine_name: str, tmp_path: Path) -> None:
    """The README's keyring backup policy, and why: a keyring backup taken before the shred,
    next to a database backup, still opens ana's data after the destruction. Destroying a
    KEK in the live keyring cannot reach its copies, so keyring backups must be deleted
    within the grace period (or the KEKs must live in a KMS with versioned destruction,
    which keeps no copies an operator could restore)."""
    backup = installation.backup(tmp_path / "backup")
    _shred_and_wait_out_the_grace(installation, FakeLedger())
    with _restore_database(engine_name, tmp_path / "restore") as url:
        restored = _restored(backup.rows, url,
                             Keyring(backup.keyring, environ=installation.environ))
        try:
            assert restored.open("ana", installation.sealed["ana"], PLACE) == b"ana's case"
        finally:
            restored.engine.dispose()
