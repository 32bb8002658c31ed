"""A store from before shared names gains the column on opening; names rest sealed."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from aggregator.consent import ACTIVE, ConsentRecord
from aggregator.store import Store, make_engine
from aggregator.store.schema import consents
from caseline.v1.sealed import DataKey, SealError

pytestmark = pytest.mark.integration

T0 = datetime(2026, 5, 1, 14, 0, tzinfo=UTC)


class Sealer:
    """Per-subject AES-256-GCM keys in memory, shreddable."""

    def __init__(self) -> None:
        self.keys: dict[str, DataKey] = {}

    def seal(self, subject_id: str, plaintext: bytes, place: tuple[str, ...]) -> bytes:
        key = self.keys.setdefault(subject_id, DataKey(os.urandom(32), f"sk_{subject_id}"))
        return key.seal(plaintext, (*place, subject_id))

    def open(self, subject_id: str, sealed: bytes, place: tuple[str, ...]) -> bytes:
        key = self.keys.get(subject_id)
        if key is None:
            raise SealError(f"{subject_id}'s key was shredded")
        return key.open(sealed, (*place, subject_id))


def _record(consent_id: str, shared_name: str | None) -> ConsentRecord:
    return ConsentRecord(
        id=consent_id, version=1, subject_id="ana", grantee_id="lee",
        agencies=("immigration",), scopes=("STATUS",), purpose_code="OTHER",
        purpose_text="my lawyer", valid_from=T0, valid_until=T0 + timedelta(days=30),
        state=ACTIVE, created_at=T0, signature="c2ln", shared_name=shared_name)


def _old_consents_table(url: str) -> None:
    """The consents table as stores had it before shared names, with one consent."""
    old = sa.MetaData()
    columns = [sa.Column(c.name, c.type, nullable=c.nullable, primary_key=c.primary_key)
               for c in consents.columns if c.name != "shared_name"]
    table = sa.Table("consents", old, *columns)
    engine = sa.create_engine(url)
    old.create_all(engine)
    with engine.begin() as conn:
        conn.execute(table.insert().values(
            id="cns_old", version=1, subject_id="ana", grantee_id="lee",
            agencies='["immigration"]', scopes='["STATUS"]', purpose_code="OTHER",
            purpose_text="my lawyer", valid_from=T0, valid_until=T0 + timedelta(days=30),
            state=ACTIVE, created_at=T0, signature="c2ln"))
    engine.dispose()


def test_an_old_store_gains_the_column_and_its_consents_have_no_name(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'agg.sqlite3'}"
    _old_consents_table(url)
    sealer = Sealer()
    store = Store(make_engine(url), sealer, b"r" * 32)
    try:
        names = {c["name"] for c in sa.inspect(store.engine).get_columns("consents")}
        assert "shared_name" in names
        old = store.consent("cns_old")
        assert old is not None and old.shared_name is None
        assert old.purpose_text == "my lawyer"
        store.add_consent_version(_record("cns_new", "Ana María"))
        assert {(r.id, r.shared_name) for r in store.consents_granted_to("lee")} == {
            ("cns_new", "Ana María"), ("cns_old", None)}
    finally:
        store.close()
    # Opening it again migrates nothing twice.
    again = Store(make_engine(url), sealer, b"r" * 32)
    try:
        new = again.consent("cns_new")
        assert new is not None and new.shared_name == "Ana María"
    finally:
        again.close()


def test_a_shared_name_rests_sealed_and_is_gone_with_the_key(tmp_path: Path) -> None:
    sealer = Sealer()
    store = Store(make_engine(f"sqlite:///{tmp_path / 'agg.sqlite3'}"), sealer, b"r" * 32)
    try:
        store.add_consent_version(_record("cns_1", "Ana María"))
        with store.engine.connect() as conn:
            stored = conn.execute(sa.select(consents.c.shared_name)).scalar()
        assert stored is not None and stored.startswith("sealed:") and "Ana" not in stored
        del sealer.keys["ana"]
        store.changed()
        gone = store.consent("cns_1")
        assert gone is not None and gone.shared_name is None
    finally:
        store.close()
