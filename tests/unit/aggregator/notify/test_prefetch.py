"""A batch's releaser reads up front and decides exactly as the releaser does one at a time:
own cases still held or not, grantees with and without a consent, erased subjects, stored
languages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from aggregator.consent.records import ConsentRecord
from aggregator.consent.vocabulary import ConsentState, Purpose, Role
from aggregator.model import AgencyInfo
from aggregator.notify.model import Notification
from aggregator.notify.prefetch import PrefetchedStore
from aggregator.notify.release import Releaser
from caseline.v1.lib.scopes import Scope
from support.fakes import FixedClock, file_store

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
AGENCIES = {"immigration": AgencyInfo("immigration", "USCIS", "USCIS (es)")}


def _told(n: int, recipient: str, subject: str, number: str) -> Notification:
    return Notification(id=f"n{n}", recipient_id=recipient, subject_id=subject,
                        agency_id="immigration", case_number=number, event_id=f"e{n}",
                        occurred_at=NOW, created_at=NOW, category="ACTIVE",
                        milestone="UNDER_REVIEW", action_required=False,
                        titles={"en": "Being reviewed", "es": "En revisión"})


def test_a_batch_is_decided_as_one_at_a_time(tmp_path: Path) -> None:
    store = file_store(tmp_path)
    for who, role in (("ana", Role.APPLICANT), ("raj", Role.APPLICANT),
                      ("zoe", Role.APPLICANT), ("lee", Role.REPRESENTATIVE),
                      ("kim", Role.REPRESENTATIVE)):
        store.ensure_account(who, role)
    store.ensure_subject("ana", "es")
    store.add_link("ana", "immigration", "IOE0990000001")
    store.add_link("raj", "immigration", "IOE0990000011")
    store.add_link("zoe", "immigration", "IOE0990000021")
    store.add_consent_version(ConsentRecord(
        id="c1", version=1, subject_id="ana", grantee_id="lee", agencies=("immigration",),
        scopes=(Scope.STATUS,), purpose_code=Purpose.LEGAL_REPRESENTATION,
        purpose_text="lawyer", valid_from=NOW - timedelta(days=1),
        valid_until=NOW + timedelta(days=30), state=ConsentState.ACTIVE,
        created_at=NOW - timedelta(days=1)))
    store.mark_erased("zoe", NOW)
    batch = [_told(1, "ana", "ana", "IOE0990000001"),  # her own, held
             _told(2, "ana", "ana", "IOE0990000099"),  # her own, no longer held
             _told(3, "lee", "ana", "IOE0990000001"),  # a grantee with a consent
             _told(4, "kim", "ana", "IOE0990000001"),  # a grantee without one
             _told(5, "raj", "raj", "IOE0990000011"),
             _told(6, "zoe", "zoe", "IOE0990000021")]  # erased
    releaser = Releaser(store, AGENCIES, FixedClock(NOW))
    one_at_a_time = [releaser.release(n) for n in batch]
    prefetched = releaser.for_batch(batch)
    assert isinstance(prefetched._store, PrefetchedStore)
    assert [prefetched.release(n) for n in batch] == one_at_a_time
    outcomes = [type(o).__name__ for o in one_at_a_time]
    assert outcomes == ["tuple", "Refused", "tuple", "Refused", "tuple", "Refused"]
    assert one_at_a_time[0][0].language == "es"  # type: ignore[index]
