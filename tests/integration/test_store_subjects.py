"""The aggregator store behaves the same on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from aggregator.consent.invitations import Invitation
from aggregator.consent.records import ConsentRecord
from aggregator.consent.vocabulary import ConsentState, Purpose, Role
from aggregator.store import Store, make_engine
from aggregator.store.tables import accounts, consents
from caseline.v1.lib.scopes import Scope
from support.sealing import MemorySealer

pytestmark = pytest.mark.integration

POSTGRES_URL = os.environ.get("CASELINE_TEST_POSTGRES",
                              "postgresql+psycopg://postgres@127.0.0.1:5432/test")



SEALER = MemorySealer()
REFERENCE_KEY = b"r" * 32


def _store(url: str) -> Store:
    return Store(make_engine(url), SEALER, REFERENCE_KEY)


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """A fresh store on each engine (PostgreSQL in a throwaway schema)."""
    if request.param == "sqlite":
        instance = _store(f"sqlite:///{tmp_path / 'agg.sqlite3'}")
        yield instance
        instance.close()
        return
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    url = f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    instance = _store(url)
    try:
        yield instance
    finally:
        instance.close()
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def test_links_round_trip_in_link_order(store: Store) -> None:
    """Links come back for their subject only, oldest first, with aware timestamps."""
    store.ensure_subject("ana", "es")
    assert store.add_link("ana", "immigration", "IOE0912345678")
    assert store.add_link("ana", "courts", "A201555123")
    assert store.add_link("raj", "labor", "G-100-24218-604417")
    links = store.links_for("ana")
    assert [(link.agency_id, link.case_number) for link in links] == [
        ("immigration", "IOE0912345678"), ("courts", "A201555123")]
    assert all(link.linked_at.tzinfo is not None for link in links)


def test_a_language_preference_is_stored_and_replaced(store: Store) -> None:
    """None until chosen; a choice creates the subject, a later one replaces it, and a
    subject created with a language keeps it until changed."""
    assert store.language_of("ana") is None
    store.set_language("ana", "es")
    assert store.language_of("ana") == "es"
    store.set_language("ana", "en")
    assert store.language_of("ana") == "en"
    store.ensure_subject("raj", "es")
    assert store.language_of("raj") == "es"


def test_linking_twice_is_harmless_and_unlinking_is_seen_at_once(store: Store) -> None:
    """A repeated link reports False; an unlink is visible on the next read (cache dropped)."""
    assert store.add_link("ana", "courts", "A201555123")
    assert not store.add_link("ana", "courts", "A201555123")
    assert len(store.links_for("ana")) == 1
    assert store.remove_link("ana", "courts", "A201555123")
    assert store.links_for("ana") == ()
    assert not store.remove_link("ana", "courts", "A201555123")


def test_data_survives_reopening(store: Store) -> None:
    """A new Store on the same database sees what the first one wrote."""
    store.add_link("raj", "labor", "G-100-24218-604417")
    reopened = _store(store.url)
    try:
        assert [link.case_number for link in reopened.links_for("raj")] == [
            "G-100-24218-604417"]
    finally:
        reopened.close()


def test_a_write_by_another_process_is_seen_despite_the_cache(store: Store) -> None:
    """Caches are checked against a version every write bumps, in any process."""
    assert store.links_for("ana") == ()  # now cached as empty
    other = _store(store.url)
    try:
        other.add_link("ana", "courts", "A201555123")
        assert [link.case_number for link in store.links_for("ana")] == ["A201555123"]
    finally:
        other.close()


def test_the_consent_vocabulary_is_stored_as_its_words_and_read_back_typed(
        store: Store) -> None:
    """Roles, scopes, purposes and states rest as the plain strings they always were (on
    both engines: a driver that stored an enum's name would write APPLICANT), and come
    back as the enums' members."""
    at = datetime(2026, 11, 1, tzinfo=UTC)
    store.ensure_account("lee", Role.REPRESENTATIVE)
    store.add_consent_version(ConsentRecord(
        id="cns_1", version=1, subject_id="ana", grantee_id="lee", agencies=("courts",),
        scopes=(Scope.STATUS, Scope.IDENTITY), purpose_code=Purpose.LEGAL_REPRESENTATION,
        purpose_text="my lawyer", valid_from=at, valid_until=at + timedelta(days=30),
        state=ConsentState.PAUSED, created_at=at, signature="c2ln"))
    with store.engine.connect() as conn:
        role = conn.execute(sa.select(accounts.c.role)).scalar()
        row = conn.execute(sa.select(consents.c.scopes, consents.c.purpose_code,
                                     consents.c.state)).one()
    assert (role, *row) == ("representative", '["STATUS", "IDENTITY"]',
                            "LEGAL_REPRESENTATION", "PAUSED")
    account, record = store.account("lee"), store.consent("cns_1")
    assert account is not None and account.role is Role.REPRESENTATIVE
    assert record is not None and record.scopes == (Scope.STATUS, Scope.IDENTITY)
    assert all(isinstance(s, Scope) for s in record.scopes)
    assert record.purpose_code is Purpose.LEGAL_REPRESENTATION
    assert record.state is ConsentState.PAUSED


def test_case_numbers_rest_sealed_and_vanish_when_the_key_is_shredded(tmp_path: Path) -> None:
    path = tmp_path / "agg.sqlite3"
    sealer = MemorySealer()
    store = Store(make_engine(f"sqlite:///{path}"), sealer, REFERENCE_KEY)
    try:
        store.add_link("ana", "courts", "A201555123")
        store.add_link("raj", "labor", "G-100-24218-604417")
        with sa.create_engine(f"sqlite:///{path}").begin() as conn:
            conn.execute(sa.text("PRAGMA wal_checkpoint(TRUNCATE)"))
        raw = b"".join(p.read_bytes() for p in tmp_path.iterdir())
        assert b"A201555123" not in raw and b"G-100-24218-604417" not in raw
        del sealer.keys["ana"]
        store.changed()
        assert store.links_for("ana") == ()
        assert [link.case_number for link in store.links_for("raj")] == ["G-100-24218-604417"]
    finally:
        store.close()


def test_a_store_from_before_sealing_is_migrated(tmp_path: Path) -> None:
    """Plaintext case numbers of an older state directory are sealed on first open."""
    path = tmp_path / "agg.sqlite3"
    legacy = sa.create_engine(f"sqlite:///{path}")
    with legacy.begin() as conn:
        conn.execute(sa.text("CREATE TABLE links (subject_id VARCHAR(64) NOT NULL, agency_id "
                             "VARCHAR(32) NOT NULL, case_number VARCHAR(64) NOT NULL, "
                             "linked_at DATETIME NOT NULL, PRIMARY KEY (subject_id, agency_id, "
                             "case_number))"))
        conn.execute(sa.text("INSERT INTO links VALUES ('ana', 'courts', 'A201555123', "
                             "'2026-11-01 10:00:00.000000')"))
    legacy.dispose()
    store = _store(f"sqlite:///{path}")
    try:
        (link,) = store.links_for("ana")
        assert (link.agency_id, link.case_number) == ("courts", "A201555123")
        with store.engine.connect() as conn:
            tables = set(sa.inspect(conn).get_table_names())
            sealed = conn.execute(sa.text("SELECT case_number_sealed FROM links")).scalar()
        assert "links_plaintext" not in tables and b"A201555123" not in sealed
    finally:
        store.close()


def test_invitations_round_trip_and_replace(store: Store) -> None:
    """An invitation is found by code and grantee, with aware times; a new one replaces it."""
    at = datetime(2026, 5, 1, 14, 0, tzinfo=UTC)
    first = Invitation("K7QMR4RTXW", "rep-lee", "Lee Ortiz", at, at + timedelta(days=30))
    store.invitations.put(first)
    assert store.invitations.by_code("K7QMR4RTXW") == first
    second = Invitation("AAAAA22222", "rep-lee", "Lee Ortiz", at, at + timedelta(days=30))
    store.invitations.put(second)
    assert store.invitations.by_code("K7QMR4RTXW") is None
    assert store.invitations.of_grantee("rep-lee") == second
    with pytest.raises(ValueError):
        store.invitations.put(Invitation("AAAAA22222", "rep-kim", "Kim", at, at))
