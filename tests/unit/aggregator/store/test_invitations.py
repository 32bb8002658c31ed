"""Invitations at rest: found by code and by grantee, replaced, and sealed under the
grantee's key (unreadable once their key is gone)."""

from __future__ import annotations

import base64
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from aggregator.consent.invitations import Invitation
from aggregator.store import Store, make_engine
from aggregator.store.tables import invitations as table
from aggregator.vault import Keyring, LocalKeyService, SubjectKeys
from support.fakes import memory_store

T0 = datetime(2026, 5, 1, 14, 0, tzinfo=UTC)


def _invitation(code: str, grantee: str = "rep-lee") -> Invitation:
    return Invitation(code, grantee, "Lee Ortiz", T0, T0 + timedelta(days=30))


def test_an_invitation_is_found_by_code_and_by_grantee() -> None:
    store = memory_store()
    store.invitations.put(_invitation("K7QMR4RTXW"))
    assert store.invitations.by_code("K7QMR4RTXW") == _invitation("K7QMR4RTXW")
    assert store.invitations.of_grantee("rep-lee") == _invitation("K7QMR4RTXW")
    assert store.invitations.by_code("K7QMR4RTXX") is None
    assert store.invitations.of_grantee("rep-kim") is None


def test_putting_a_new_one_replaces_the_grantees_old_one() -> None:
    store = memory_store()
    store.invitations.put(_invitation("K7QMR4RTXW"))
    store.invitations.put(_invitation("AAAAA22222"))
    assert store.invitations.by_code("K7QMR4RTXW") is None
    assert store.invitations.of_grantee("rep-lee") == _invitation("AAAAA22222")


def test_one_code_cannot_belong_to_two_grantees() -> None:
    store = memory_store()
    store.invitations.put(_invitation("K7QMR4RTXW"))
    with pytest.raises(ValueError):
        store.invitations.put(_invitation("K7QMR4RTXW", grantee="rep-kim"))
    assert store.invitations.of_grantee("rep-kim") is None


def test_neither_the_code_nor_the_name_is_stored_in_the_clear() -> None:
    store = memory_store()
    store.invitations.put(_invitation("K7QMR4RTXW"))
    with store.engine.connect() as conn:
        row = conn.execute(sa.select(table)).one()
    assert "K7QMR4RTXW" not in str(tuple(row)) and "Lee" not in str(tuple(row))


def test_an_invitation_whose_seal_no_longer_opens_resolves_to_nothing() -> None:
    store = memory_store()
    store.invitations.put(_invitation("K7QMR4RTXW"))
    with store.engine.begin() as conn:  # as after the grantee's key was shredded
        conn.execute(table.update().values(code_sealed="AAAA"))
    assert store.invitations.by_code("K7QMR4RTXW") is None


def test_a_first_invitation_seals_under_a_new_key_in_the_same_sqlite_file(
        tmp_path: Path) -> None:
    """As in the demo: the grantee's key is created in the file the invitation goes to; the
    key's write must not wait on the invitation's own transaction (it once locked up)."""
    environ = {"CASELINE_KEYRING_KEY": base64.b64encode(os.urandom(32)).decode()}
    engine = make_engine(f"sqlite:///{tmp_path / 'aggregator.sqlite3'}")
    keys = SubjectKeys(engine, LocalKeyService(Keyring(tmp_path / "keyring.json",
                                                       environ=environ)))
    store = Store(engine, keys, os.urandom(32))
    try:
        store.invitations.put(_invitation("K7QMR4RTXW", grantee="rep-new"))
        assert store.invitations.of_grantee("rep-new") == _invitation("K7QMR4RTXW",
                                                                      grantee="rep-new")
    finally:
        store.close()
