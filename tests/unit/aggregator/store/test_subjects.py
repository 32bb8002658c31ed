"""The store's caches on SQLite: a write by another Store over the same file (another
process) is seen at once; a commit to another table of that file (the notification
outbox, the vault) keeps what is cached."""

from __future__ import annotations

import os
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

from aggregator.consent.records import ConsentRecord
from aggregator.consent.vocabulary import ConsentState, Purpose, Role
from aggregator.store import Store, make_engine
from caseline.v1.lib.scopes import Scope
from support.sealing import MemorySealer


def _stores(tmp_path: Path) -> tuple[Store, Store]:
    url = f"sqlite:///{tmp_path / 'aggregator.sqlite3'}"
    key, sealer = os.urandom(32), MemorySealer()
    return Store(make_engine(url), sealer, key), Store(make_engine(url), sealer, key)


def test_another_stores_write_is_seen_and_other_tables_keep_the_cache(
        tmp_path: Path) -> None:
    """Ana's links cached by one store; another table written: still cached. Another
    store links a second case: the first sees both."""
    mine, theirs = _stores(tmp_path)
    try:
        mine.ensure_account("ana", Role.APPLICANT)
        mine.add_link("ana", "immigration", "IOE0990000001")
        assert [link.case_number for link in mine.links_for("ana")] == ["IOE0990000001"]
        with sqlite3.connect(tmp_path / "aggregator.sqlite3") as other:
            other.execute("CREATE TABLE IF NOT EXISTS elsewhere (x INTEGER)")
            other.execute("INSERT INTO elsewhere VALUES (1)")
        mine._check_version()  # what every read does first: only another table changed
        assert "ana" in mine._links_cache
        theirs.add_link("ana", "labor", "A-12345-67890")
        assert sorted(link.case_number for link in mine.links_for("ana")) == [
            "A-12345-67890", "IOE0990000001"]
    finally:
        mine.close()
        theirs.close()


def _consent(i: int, subject: str, grantee: str) -> ConsentRecord:
    now = datetime.now(UTC)
    return ConsentRecord(
        id=f"cns_{i:024x}", version=1, subject_id=subject, grantee_id=grantee,
        agencies=("immigration",), scopes=(Scope.STATUS,),
        purpose_code=Purpose.LEGAL_REPRESENTATION, purpose_text=f"purpose {i}",
        valid_from=now, valid_until=now + timedelta(days=30), state=ConsentState.ACTIVE,
        created_at=now + timedelta(seconds=i))


def test_batched_reads_agree_with_one_at_a_time(tmp_path: Path) -> None:
    """holders_many, consents_granted_by_many and erased_many give what holders,
    consents_granted_by and erased_at give, for subjects with and without data, read cold
    (one store) and cached (another)."""
    cold, warm = _stores(tmp_path)
    try:
        for subject in ("ana", "raj", "zoe"):
            cold.ensure_account(subject, Role.APPLICANT)
        cold.add_link("ana", "immigration", "IOE0990000001")
        cold.add_link("raj", "labor", "A-12345-67890")
        for i, (subject, grantee) in enumerate([("ana", "lee"), ("ana", "kim"),
                                                ("raj", "lee")]):
            cold.add_consent_version(_consent(i, subject, grantee))
        cold.mark_erased("zoe", datetime(2026, 12, 1, tzinfo=UTC))
        cases = [("immigration", "IOE0990000001"), ("labor", "A-12345-67890"),
                 ("courts", "A201555123")]
        subjects = ["ana", "raj", "zoe", "nobody"]
        warm.consents_granted_by("ana")  # one cached, the others read
        for store in (cold, warm):
            assert store.holders_many(cases) == {case: store.holders(*case) for case in cases}
            assert store.consents_granted_by_many(subjects) == {
                s: store.consents_granted_by(s) for s in subjects}
            assert store.erased_many(subjects) == {s: store.erased_at(s) for s in subjects}
        assert [c.purpose_text for c in cold.consents_granted_by_many(["ana"])["ana"]] == [
            "purpose 1", "purpose 0"]  # newest first, purposes opened
    finally:
        cold.close()
        warm.close()
