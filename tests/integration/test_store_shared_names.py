"""A store from before shared names gains the column on opening; names rest sealed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from aggregator.consent.records import ConsentRecord
from aggregator.consent.vocabulary import ConsentState
from aggregator.store import Store, make_engine
from aggregator.store.tables import consents
from support.sealing import MemorySealer

pytestmark = pytest.mark.integration

T0 = datetime(2026, 5, 1, 14, 0, tzinfo=UTC)



def _record(consent_id: str, shared_name: str | None) -> ConsentRecord:
    return ConsentRecord(
        id=consent_id, version=1, subject_id="ana", grantee_id="lee",
        agencies=("immigration",), scopes=("STATUS",), purpose_code="OTHER",
        purpose_text="my lawyer", valid_from=T0, valid_until=T0 + timedelta(days=30),
        state=ConsentState.ACTIVE, created_at=T0, signature="c2ln", shared_name=shared_name)


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
            state=ConsentState.ACTIVE, created_at=T0, signature="c2ln"))
    engine.dispose()


def test_an_old_store_gains_the_column_and_its_consents_have_no_name(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'agg.sqlite3'}"
    _old_consents_table(url)
    sealer = MemorySealer()
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
    sealer = MemorySealer()
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
