"""Issue 12 item 11: a hearing or deadline that has passed is no longer "action required".

The SDK decides it with its clock, so public lookups, subject reads and the aggregator's
current status all agree; the due date stays visible. Each case is read on both sides of its
due time with a fixed clock.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from adapters.reference.catalog import synthetic
from adapters.sdk.due import due_at
from adapters.sdk.records import CaseRecord
from aggregator.consent.tokens import ConsentTokenIssuer
from aggregator.federation.from_contract import case_from_proto, events_from_proto
from aggregator.timeline import current_cases
from caseline.v1 import agency_adapter_pb2 as pb
from caseline.v1 import case_pb2
from support.reference_adapter import TODAY, reference_stub, seeded_store
from support.sealing import open_sealed

pytestmark = pytest.mark.integration

SUBJECT = "psn_action"
MINUTE = timedelta(minutes=1)


def _persona_case(agency: str, number: str) -> CaseRecord:
    records = [r for rs in synthetic(agency).persona_cases(TODAY).values() for r in rs]
    return next(r for r in records if r.number == number)


async def _read(agency: str, number: str, tmp_path: Path, jwks_path: Path,
                issuer: ConsentTokenIssuer, custodian: X25519PrivateKey,
                clock: Callable[[], datetime]) -> tuple[case_pb2.Case, case_pb2.Case]:
    """The public lookup's case and the subject's opened full read, at ``clock``."""
    store = seeded_store(tmp_path / clock().isoformat(), agency, cases=5)
    token = issuer.issue(agency_id=agency, subject=SUBJECT, case_numbers=[number],
                         scopes=("STATUS", "DETAILS"), purpose="SELF_ACCESS", consent_id="c1")
    async with reference_stub(agency, store, jwks_path, clock=clock) as stub:
        looked = await stub.LookupCases(pb.LookupCasesRequest(case_numbers=[number]))
        read = await stub.ListSubjectCases(pb.ListSubjectCasesRequest(consent_token=token))
    full = read.cases[0]
    open_sealed(full, custodian, agency=agency, subject=SUBJECT, scopes=("DETAILS",))
    return looked.results[0].case_info, full


def _aggregator_says(agency: str, full: case_pb2.Case) -> bool:
    """The current status the aggregator computes from the merged events."""
    case = current_cases([case_from_proto(agency, full)], events_from_proto(agency, full))[0]
    return case.status.action_required


@pytest.mark.parametrize(("agency", "number"), [
    ("courts", "A201555123"),  # ana: individual hearing in about 45 days
    ("immigration", "IOE0990000012"),  # raj: interview scheduled, notice due in 25 days
])
async def test_action_required_until_the_due_time_then_not(
        tmp_path: Path, jwks_path: Path, issuer: ConsentTokenIssuer,
        custodian: X25519PrivateKey, agency: str, number: str) -> None:
    """One minute before the latest event's hearing/deadline: action required everywhere;
    one minute after: nowhere, and the due date is still shown."""
    record = _persona_case(agency, number)
    due = due_at(record.events[-1])
    assert due is not None and due > datetime.combine(TODAY, datetime.min.time(), UTC)
    for clock_at, expected in ((due - MINUTE, True), (due + MINUTE, False)):
        public, full = await _read(agency, number, tmp_path, jwks_path, issuer, custodian,
                                   lambda at=clock_at: at)
        assert public.status.action_required is expected, clock_at
        assert full.status.action_required is expected
        assert full.events[-1].status.action_required is expected
        assert full.events[-1].due_date == record.events[-1].due_date.isoformat()  # type: ignore[union-attr]
        assert _aggregator_says(agency, full) is expected


async def test_past_appointments_in_a_history_are_not_action_required(
        tmp_path: Path, jwks_path: Path, issuer: ConsentTokenIssuer,
        custodian: X25519PrivateKey) -> None:
    """Raj's biometrics appointment (months ago) and ana's earlier master hearings are over:
    their events say no action, while what is still ahead does."""
    now = datetime.combine(TODAY, datetime.min.time(), UTC) + timedelta(hours=15)
    for agency, number in (("immigration", "IOE0990000012"), ("courts", "A201555123")):
        record = _persona_case(agency, number)
        _, full = await _read(agency, number, tmp_path, jwks_path, issuer, custodian,
                              lambda: now)
        past = [i for i, e in enumerate(record.events)
                if (when := due_at(e)) is not None and when <= now]
        ahead = [i for i, e in enumerate(record.events)
                 if (when := due_at(e)) is not None and when > now]
        assert past and ahead
        assert not any(full.events[i].status.action_required for i in past)
        assert all(full.events[i].due_date for i in past if record.events[i].due_date)
        assert any(full.events[i].status.action_required for i in ahead)


def test_a_due_date_ends_when_its_day_has_ended_everywhere() -> None:
    """A deadline on day D is still running until D is over in UTC-12 (noon UTC of D+1)."""
    record = _persona_case("immigration", "IOE0990000012")
    last = record.events[-1]
    assert last.due_date is not None and last.hearing is None
    end = datetime.combine(last.due_date + timedelta(days=1), datetime.min.time(), UTC)
    assert due_at(last) == end + timedelta(hours=12)
