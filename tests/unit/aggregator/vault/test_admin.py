"""Key operations: the follow-up of a shred (rotate, rewrap, destroy the old KEKs when due),
late writers, and the gateway's background rewrap carrying it out."""

from __future__ import annotations

import base64
import os
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from aggregator.vault import KekDestroyedError, Vault, open_vault
from aggregator.vault.admin import BackgroundRewrap, advance_destructions
from aggregator.vault.subject_keys import _wrap_aad
from aggregator.vault.tables import subject_keys as table
from support.fakes import FakeLedger

PLACE = ("link", "labor", "ref_1")
GRACE = timedelta(hours=1)


@pytest.fixture
def vault(engines: Callable[[], Engine], tmp_path: Path) -> Iterator[Vault]:
    environ = {"CASELINE_KEYRING_KEY": base64.b64encode(os.urandom(32)).decode()}
    yield open_vault(tmp_path / "state", engines(), environ=environ, grace=GRACE)


def test_nothing_scheduled_does_nothing(vault: Vault) -> None:
    ledger = FakeLedger()
    vault.subject_keys.seal("ana", b"v", PLACE)
    done = advance_destructions(vault, ledger)
    assert (done.rotated, done.moved, done.destroyed, done.waiting) == (None, 0, (), ())
    assert ledger.entries == [] and vault.kms.key_ids() == ["kek-1"]


def test_a_late_writer_is_rewrapped_before_its_kek_is_destroyed(vault: Vault) -> None:
    """A writer that wrapped a new key under kek-1 just before the rotation and commits it
    after the first rewrap: the destruction waits for the grace period, the second rewrap
    moves the late key, and only then is kek-1 destroyed; the late key still opens."""
    keys = vault.subject_keys
    for subject in ("ana", "raj"):
        keys.seal(subject, b"v", PLACE)
    late_key = os.urandom(32)
    kek_id, wrapped = vault.kms.wrap(late_key, _wrap_aad("lin", 1))  # before the rotation
    assert kek_id == "kek-1"
    ledger = FakeLedger()
    keys.shred("ana")
    first = advance_destructions(vault, ledger)
    assert first.rotated is not None and first.moved == 1  # raj's key
    with keys.engine.begin() as conn:  # the late writer commits now
        conn.execute(sa.insert(table).values(subject_id="lin", version=1, kek_id=kek_id,
                                             wrapped=wrapped, encryptions=1,
                                             created_at=datetime.now(UTC)))
    pending = vault.status()["pending_destructions"]
    assert [(p["kek"], p["subject_keys_left"]) for p in pending] == [("kek-1", 1)]

    second = advance_destructions(vault, ledger, now=datetime.now(UTC) + GRACE)
    assert second.rotated is None and second.moved == 1
    assert [kek for kek, _ in second.destroyed] == ["kek-1"]
    assert ledger.key_events() == [("ROTATED", "kek-2"), ("DESTROYED", "kek-1")]
    with keys.engine.connect() as conn:
        row = conn.execute(sa.select(table).where(table.c.subject_id == "lin")).one()
    assert row.kek_id == "kek-2"
    assert vault.kms.unwrap(row.kek_id, row.wrapped, _wrap_aad("lin", 1)) == late_key
    assert keys.open("raj", keys.seal("raj", b"again", PLACE), PLACE) == b"again"


def test_a_second_run_finishes_and_records_nothing_twice(vault: Vault) -> None:
    """Run again after everything is done: no rotation, no destruction, no entry."""
    vault.subject_keys.seal("ana", b"v", PLACE)
    vault.subject_keys.shred("ana", grace=timedelta(0))
    ledger = FakeLedger()
    done = advance_destructions(vault, ledger)
    assert [kek for kek, _ in done.destroyed] == ["kek-1"]
    again = advance_destructions(vault, ledger)
    assert (again.rotated, again.destroyed, again.waiting) == (None, (), ())
    assert ledger.key_events() == [("ROTATED", "kek-2"), ("DESTROYED", "kek-1")]


def test_keys_under_a_destroyed_kek_are_not_rewrapped_but_reported(vault: Vault) -> None:
    """Rows restored from a backup older than a destruction stay where they are (they can
    never be moved); status counts them and the rewrap is not stuck on them."""
    keys = vault.subject_keys
    keys.seal("ana", b"v", PLACE)
    sealed = keys.seal("raj", b"v", PLACE)
    with keys.engine.connect() as conn:
        raj = dict(conn.execute(sa.select(table).where(table.c.subject_id == "raj"))
                   .one()._mapping)
    keys.shred("ana", grace=timedelta(0))
    advance_destructions(vault, FakeLedger())
    with keys.engine.begin() as conn:  # raj's row as an old backup holds it
        conn.execute(sa.delete(table).where(table.c.subject_id == "raj"))
        conn.execute(sa.insert(table).values(**raj))
    assert keys.pending_rewrap() == 0 and keys.rewrap() == 0
    status = keys.status()
    assert status["subject_keys_under_destroyed_keks"] == 1 and status["destroyed_keks"] == 1
    with pytest.raises(KekDestroyedError):
        keys.open("raj", sealed, PLACE)


def test_the_background_rewrap_destroys_when_due(vault: Vault) -> None:
    """Given the ledger, the gateway's background rewrap completes a shred made by another
    process once its grace period ended."""
    vault.subject_keys.seal("ana", b"v", PLACE)
    vault.subject_keys.seal("raj", b"v", PLACE)
    vault.subject_keys.shred("ana", grace=timedelta(0))
    ledger = FakeLedger()
    background = BackgroundRewrap(vault, pause_s=0, ledger=ledger, check_every_s=0.05)
    assert background.needed()
    background.start()
    try:
        for _ in range(400):
            if background.destroyed:
                break
            time.sleep(0.05)
    finally:
        background.stop()
    assert background.destroyed == ["kek-1"]
    assert ledger.key_events() == [("ROTATED", "kek-2"), ("DESTROYED", "kek-1")]
    assert vault.kms.key_ids() == ["kek-2"]
